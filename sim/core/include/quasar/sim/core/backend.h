#pragma once
// The one entry point of every simulator backend, and the registry that finds a backend by
// name. A backend takes a compiled job (the Schedule, the ArchSpec and its cost table, plus the
// quantized network and its inputs for backends that move values) and returns per-layer
// performance and events, priced, and the output tensors where it moves values. `quasar run`,
// `compare`, `sweep` and `verify` reach every backend through the registry (`--backend NAME`);
// `quasar backends` lists it. A new backend is one implementation plus one Add() in the function
// that registers its library's backends.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim {

namespace cycle {
class ArrayIf;       // sim/cycle/array_if.h
struct ArrayWidths;  // sim/cycle/format_gemm.h
}  // namespace cycle

// A network in number formats (FP8, MX, weights per group; docs/formats.md), which has no
// integer codes: its float weights, their emulation (calibration and grids), its float inputs,
// and the FP8 MAC's register. Its golden run is sim/cycle/format_network.h's.
struct FormatJob {
  const models::NetworkSpec* net = nullptr;
  const models::FloatNetParams* params = nullptr;  // float, unquantized
  const models::EmulatedNetwork* emulated = nullptr;
  const std::map<std::string, models::FloatTensor>* inputs = nullptr;
  models::AccumulatorSpec fp8_acc;
};

// What a backend runs. The pointers are borrowed for the call.
struct Job {
  const compiler::Schedule* schedule = nullptr;
  const models::ArchSpec* arch = nullptr;
  const models::CostTable* table = nullptr;
  // Backends that move values: the quantized network as the hardware computes it (the
  // accelerator's accumulator and lane groups, ReferenceForHardware in check.h) and its
  // quantized network inputs.
  const models::QuantizedNetwork* qnet = nullptr;
  const std::map<std::string, models::IntTensor>* inputs = nullptr;
  // Backends that move values, for a network in number formats, in place of qnet and inputs.
  const FormatJob* formats = nullptr;
};

// Options a backend may honour; those that do not apply to it are ignored.
struct RunOptions {
  std::string trace_path;      // a VCD of the accelerator (cycle model)
  std::string rtl_trace_path;  // a VCD of every RTL signal (RTL array)
  // Fault injection (RTL array): bit `second` of PE `first`'s partial sum stuck at 1.
  std::optional<std::pair<int64_t, int>> stuck_at;
  // The layers to run on the backend's own array (empty: all); the others run on the C++ array.
  std::set<std::string> array_layers;
  std::string stop_after;             // stop after this layer (empty: run all)
  bool record_output_cycles = false;  // the cycle each output element was finished
  bool always_check_overflow = false;
  // Called before each layer runs: (layer index, layer count, layer name).
  std::function<void(size_t, size_t, const std::string&)> on_layer;
};

struct BackendRun {
  NetworkPerf perf;  // per layer and totals, priced with the job's table
  // Backends that move values: per layer, the additions that wrapped or saturated; every
  // layer's output and the network inputs; with record_output_cycles, per layer output (flat
  // index) the simulated cycle the element was finished.
  std::vector<int64_t> overflow_events;
  std::map<std::string, models::IntTensor> tensors;
  std::map<std::string, std::vector<int64_t>> output_cycles;
  // A FormatJob's run: every layer's output and the network inputs, in float32.
  std::map<std::string, models::FloatTensor> float_tensors;
  double wall_seconds = 0;
};

// Contract: Run does not change the job; it throws InputError when the job cannot run on this
// backend (no network for a backend that moves values, no RTL model built for the
// accelerator, a trace that cannot be written), and reports an infeasible layer in the
// result's status (NetworkPerf::status) otherwise.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendRun Run(const Job& job, const RunOptions& options) const = 0;
  // What the check compares with the golden reference, e.g. "SystemC cycle model".
  virtual std::string Title(const models::ArchSpec& arch) const = 0;
  // Throws InputError, before any work, when this backend cannot run on `arch` or `options`
  // ask for something it cannot do. The default accepts everything.
  virtual void Check(const models::ArchSpec& arch, const RunOptions& options) const;
  // Backends built on a PE array (sim/cycle/array_if.h): runs `body` once on this backend's
  // array for `arch`, with the widths that array was built with, in the context it needs (a
  // SystemC thread for a Verilated one; options.rtl_trace_path and stuck_at apply as in Run).
  // `quasar verify` runs a number format's GEMMs this way (sim/cycle/format_layer.h). The
  // default throws InputError: this backend lends no array.
  virtual void RunOnArray(
      const models::ArchSpec& arch, const RunOptions& options,
      const std::function<void(cycle::ArrayIf&, const cycle::ArrayWidths&)>& body) const;
};

// Throws InputError when `arch` asks for conventions other than Quasar's: backends that move
// values run Quasar's tiles (`conventions: scalesim` is the analytical model's, docs/scalesim.md).
void RequireQuasarConventions(const models::ArchSpec& arch, const std::string& backend);

struct BackendInfo {
  std::string name;
  std::string description;  // one line
  bool moves_values = false;  // needs Job::qnet and Job::inputs; returns tensors
  bool concurrent = true;     // may run from several threads at once (SystemC may not)
  // The timing reference: its report is sim::EvaluateSchedule's, which `run` gives without
  // running the backend and against which a backend that moves values is checked layer by layer
  // (the analytical model).
  bool timing_reference = false;
  // The value of `quasar verify --rtl` that chooses this backend ("array", "mac"; empty: none).
  std::string rtl_mode;
  std::function<std::unique_ptr<Backend>()> make;
};

class BackendRegistry {
 public:
  // Throws std::logic_error for a name already registered (a programming error).
  void Add(BackendInfo info);
  // nullptr when unknown.
  const BackendInfo* Find(const std::string& name) const;
  // InputError naming `flag`, the value and the registered names when unknown.
  const BackendInfo& Get(const std::string& name, const std::string& flag = "--backend") const;
  const std::vector<BackendInfo>& All() const { return backends_; }
  std::vector<std::string> Names() const;

 private:
  std::vector<BackendInfo> backends_;
};

}  // namespace quasar::sim
