#pragma once
// The weight codes: how a quantized operand's values map to integers (linear, pow2, binary,
// ternary). Every code is one row of a table (quant_code.cc): its name, the bits it takes, the
// integer type its values are held in, its weight quantizer and how a tensor of activations in
// it gets its parameters. The precision policy (net/precision.cc), the network writer, the
// quantizer dispatch (QuantizeWeights), the network quantizer's activations and the mapper read
// the row, so a new code is a row and its quantizer, not a branch in each of them.
//
// Rules about the integer values themselves (binary's {-1, +1} without 0, XNOR-popcount products
// of two binary operands, which types calibration may grid) belong to IntType (int_type.h), and
// so do the sites that read a tensor's IntType (the golden kernels, the .npy dtype, qnet files).

#include <optional>
#include <string>
#include <vector>

#include "quasar/models/int_type.h"
#include "quasar/models/quant_params.h"
#include "quasar/models/tensor.h"

namespace quasar::models {

struct CalibOptions;
class Observer;
struct QuantizedWeights;

// How values map to integers: linear (an affine grid), pow2 (sign and power-of-two magnitude,
// weights only), binary {-1, +1}, ternary {-1, 0, +1}. Used for weights and, through the
// precision policy (net/precision.h), for activations.
//
// The number formats of docs/number-formats.md are codes too: the OCP FP8 elements and the MX
// block formats. They are priced (storage with their block scales, a MAC of their own,
// mac.format in the ArchSpec) but the golden integer path does not run them: their rows have no
// quantizer, and quantizing a network that uses them is refused by name (RequireGolden). Their
// golden run is the golden format run (sim/cycle/format_network.h).
enum class QuantCode {
  kLinear,
  kPow2,
  kBinary,
  kTernary,
  kFp8E4m3,
  kFp8E5m2,
  kMxfp8E4m3,
  kMxfp8E5m2,
  kMxfp6E2m3,
  kMxfp6E3m2,
  kMxfp4E2m1,
  kMxint8,
};

// What a weight quantizer may read: linear uses linear_type, symmetric and opt; pow2 uses bits;
// binary and ternary use neither. Every quantizer reads per_channel.
struct WeightCodeArgs {
  const IntType& linear_type;
  int bits;
  bool symmetric;
  bool per_channel;
  const CalibOptions& opt;
};

struct QuantCodeDef {
  QuantCode code;
  const char* name;  // as the network format and the messages write it
  // The bits the code always takes (binary 1, ternary 2; a precision's bits are set to them and
  // the network writer omits them), or 0 when the precision's bits choose, in
  // min_bits..max_bits; `bits_for` ends the message that names the range.
  int fixed_bits;
  int min_bits;
  int max_bits;
  const char* bits_for;
  // Linear: a calibrated affine grid, so signedness, symmetry and the calibration method apply,
  // an asymmetric zero point may sit anywhere in the range, and a layer's int32 accumulator may
  // be an output in it. The other codes have zero point 0 and no calibration method.
  bool affine;
  bool weights_only;  // pow2: rejected for activations
  // The IntType the integer values are held in, for a precision of `bits` (and signedness, read
  // by affine codes only). A number format's codes are held as signed integers of its width.
  IntType (*storage)(int bits, bool is_signed);
  // nullptr for the number formats, which the golden integer path does not run.
  QuantizedWeights (*quantize_weights)(const FloatTensor& w, const WeightCodeArgs& args);
  // The parameters of a tensor of activations from its observed values, `storage` its type
  // (nullptr for the number formats).
  QuantParams (*activation_params)(const Observer& obs, const IntType& storage, bool symmetric,
                                   const CalibOptions& opt);
  // A number format: its small_float.h row (FP8), or its mx_format.h row (MX). nullptr for the
  // integer codes, whose values are integers on a grid the network's parameters scale.
  const char* format = nullptr;
  // Stored values that share one scale stored beside them, and that scale's bits: 32 and 8 for
  // MX (OCP Microscaling Formats v1.0, Table 1: block size 32, scale E8M0). 0 when the scale is
  // a per-tensor or per-channel parameter.
  int block = 0;
  int block_scale_bits = 0;
};

// True for the number formats (`format` set): each runs only on a MAC of its own format.
bool IsNumberFormat(QuantCode code);
// Throws InputError naming `what` and the code when the golden path cannot run it (the number
// formats): "<what> are fp8_e4m3: ...".
void RequireGolden(QuantCode code, const std::string& what);

// Every code, once, in QuantCode order.
const std::vector<QuantCodeDef>& QuantCodeDefs();
// The code's row; std::invalid_argument for a value outside the enum.
const QuantCodeDef& QuantCodeOf(QuantCode code);

std::string QuantCodeName(QuantCode code);  // "linear", "pow2", "binary", "ternary"
std::optional<QuantCode> ParseQuantCode(const std::string& name);
const char* QuantCodeChoices();  // "linear, pow2, binary, ternary"
std::string NumberFormatChoices();  // the number formats' names: "fp8_e4m3, fp8_e5m2, ..."

}  // namespace quasar::models
