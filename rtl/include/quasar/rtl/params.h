#pragma once
// The parameters of the RTL (rtl/src/*.sv) that an ArchSpec determines, so that one hardware
// description drives the models and the RTL: the Verilator -G values of a configuration come
// from RtlParamsFor(arch), and the Verilated models report theirs through constant
// identification outputs (p_*), which the tests compare with the spec.
//
// Operand lanes are one bit wider than the ArchSpec's MAC widths: the PE multiplies operands
// after zero-point subtraction (the models' convention, TileOperands in tile_runner.h), and an
// asymmetric b-bit operand minus its zero point spans b + 1 bits (e.g. uint8 - 255 ... 255).

#include <cstdint>
#include <string>
#include <vector>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::rtl {

// What a quasar_mac unit is built for.
struct MacParams {
  int a_w = 9, w_w = 9;  // bits of each activation / weight lane
  int lanes = 1;         // products per cycle
  int acc_w = 32;        // accumulator bits
  bool is_signed = true;
  bool operator==(const MacParams& o) const {
    return a_w == o.a_w && w_w == o.w_w && lanes == o.lanes && acc_w == o.acc_w &&
           is_signed == o.is_signed;
  }
};

// What a quasar_array is built for.
struct ArrayParams {
  int64_t rows = 4, cols = 4;
  models::Dataflow dataflow = models::Dataflow::kWeightStationary;
  MacParams mac;
  bool operator==(const ArrayParams& o) const {
    return rows == o.rows && cols == o.cols && dataflow == o.dataflow && mac == o.mac;
  }
};

// Lanes: the most products any layer can ask of one PE per cycle (ArchSpec MacSpec):
// binary_lanes, and for Bit Fusion (weight_bits / 2) * (activation_bits / 2), at least 1.
MacParams MacParamsFor(const models::MacSpec& mac);
ArrayParams ArrayParamsFor(const models::ArchSpec& arch);

// The RTL's encoding of a dataflow (quasar_array DATAFLOW): 0 os, 1 ws, 2 is.
int DataflowCode(models::Dataflow d);
// The dataflow of an RTL DATAFLOW code; std::logic_error for a code no dataflow has.
models::Dataflow DataflowFromCode(int64_t code);

// Verilator -G arguments of a quasar_mac_bank of n units / a quasar_array.
std::vector<std::string> VerilatorArgs(const MacParams& p, int64_t n);
std::vector<std::string> VerilatorArgs(const ArrayParams& p);

// The fields that differ, as "rows: 4 (RTL) vs 32 (architecture)"; empty when equal.
std::vector<std::string> Differences(const MacParams& rtl, const MacParams& arch);
std::vector<std::string> Differences(const ArrayParams& rtl, const ArrayParams& arch);

}  // namespace quasar::rtl
