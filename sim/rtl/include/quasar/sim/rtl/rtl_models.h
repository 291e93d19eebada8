#pragma once
// The Verilated RTL models built into the simulator (rtl/CMakeLists.txt lists them) and the
// adapters that put them under the cycle model:
//   - an RTL array (quasar_array) is an ArrayIf: the tile sequencer and the SystemC
//     accelerator run it in place of the C++ array, one clock cycle of simulated time per
//     Cycle();
//   - a MAC bank (quasar_mac_bank: N independent MAC units) evaluates the arithmetic of N PEs
//     at once; MakeMacGridArray wraps one in the C++ PE registers, giving an array of any size
//     whose every multiply-accumulate is computed by the RTL (`quasar verify --rtl mac`).
// This header includes neither SystemC nor Verilator; the models are created while the
// accelerator is elaborated (CycleOptions::make_array) and must be used from SystemC threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quasar/models/spec/arch_spec.h"
#include "quasar/rtl/params.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/cycle/array_if.h"

namespace quasar::sim::rtl {

enum class RtlKind { kArray, kMacBank };

struct RtlModelInfo {
  std::string name;  // e.g. "rtl_4x4_ws"
  RtlKind kind = RtlKind::kArray;
  std::string preset;          // the architecture file it was built from (relative to the source
                               // tree), empty for the exhaustive-test MAC banks
  std::string verilator_args;  // the -G values it was Verilated with
  quasar::rtl::ArrayParams array;  // from verilator_args (kArray)
  quasar::rtl::MacParams mac;      // from verilator_args (both kinds)
  int64_t units = 0;               // MAC units (kMacBank)
};

// Every model built in, in the order rtl/CMakeLists.txt lists them (empty without RTL).
const std::vector<RtlModelInfo>& BuiltModels();
const RtlModelInfo* FindModel(const std::string& name);
// The array built for `arch` (ArrayParamsFor equal), or nullptr.
const RtlModelInfo* FindArrayFor(const models::ArchSpec& arch);
// A MAC bank for `arch`'s MAC: MacParamsFor's operand widths, accumulator and signedness, and
// at least its lanes (the fewest such); nullptr if none.
const RtlModelInfo* FindMacBankFor(const models::ArchSpec& arch);

// A Verilated array as the cycle model's ArrayIf, plus what verification needs.
class RtlArray : public cycle::ArrayIf {
 public:
  // The parameters the model reports through its identification outputs (p_*). Contract:
  // valid once the simulation has started (after the first evaluation).
  virtual quasar::rtl::ArrayParams ReportedParams() const = 0;
  // Fault injection: from the next Configure on, bit `bit` of PE `pe`'s (row * cols + col)
  // partial-sum register is stuck at 1.
  virtual void InjectStuckAt1(int64_t pe, int bit) = 0;
  // Flushes and closes the RTL waveform, if one was requested.
  virtual void CloseTrace() = 0;
};

// Builds array model `name` during elaboration; a non-empty `trace_path` records every RTL
// signal into that VCD file from the first Configure on. Throws InputError for an unknown
// name or a model that is not an array.
std::unique_ptr<RtlArray> MakeRtlArray(const std::string& name, const std::string& trace_path);

// N quasar_mac units evaluated together (combinational, through SystemC delta cycles).
class MacBank {
 public:
  virtual ~MacBank() = default;
  virtual quasar::rtl::MacParams ReportedParams() const = 0;  // p_* outputs (as RtlArray)
  virtual int64_t units() const = 0;
  // Contract: call from a SystemC thread. Unit u (u < count <= units()) adds lanes
  // a[u*lanes + l] * w[u*lanes + l] into acc_in[u]; results in acc_out[u], overflowed
  // additions in ovf[u]. Throws InputError when an operand does not fit its lane.
  virtual void Eval(bool saturate, bool xnor, int64_t count, const int32_t* a, const int32_t* w,
                    const int64_t* acc_in, int64_t* acc_out, int32_t* ovf) = 0;
};

// Builds MAC bank model `name` during elaboration (InputError as MakeRtlArray).
std::unique_ptr<MacBank> MakeMacBank(const std::string& name);

// The C++ PE registers of array_if.h around a MAC bank: every PE's multiply-accumulate of a
// cycle goes through the bank (ceil(rows * cols / units) evaluations per cycle). Configure
// refuses a layer the bank's MAC was not built for (accumulator width, more products per cycle
// than it has lanes).
std::unique_ptr<cycle::ArrayIf> MakeMacGridArray(std::unique_ptr<MacBank> bank);

// Why no built model of `kind` fits `arch`: each such model with the parameters that differ.
std::string NoRtlModelMessage(const models::ArchSpec& arch, RtlKind kind);

// Elaborates a module whose one thread runs `body` (after two delta cycles, so the models'
// first evaluation has settled), then runs the simulation until it returns, and rethrows what
// `body` threw. The models `body` uses must have been built before, during elaboration.
// SystemC elaborates once per process: call this at most once.
void RunInSystemCThread(const std::function<void()>& body);

// Registers "systemc-rtl-array" (the Verilated array built for the accelerator in place of the
// C++ array; RunOptions::rtl_trace_path and stuck_at apply) and "systemc-rtl-mac" (Verilated MAC
// units under the C++ PE registers).
void RegisterRtlBackends(BackendRegistry* registry);

}  // namespace quasar::sim::rtl
