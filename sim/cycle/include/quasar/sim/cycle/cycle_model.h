#pragma once
// The SystemC cycle model: runs a compiled Schedule on a cycle-level model of the accelerator
// that carries the real integer values, layer by layer, and returns the output of every layer
// together with the same timing and event counts the analytical backend estimates
// (analytical.h), so the two can be compared field by field and the outputs compared with the
// golden reference element by element.
//
// Structure (src/accelerator.h): a controller steps the Schedule's tiles through the
// load / compute / post / store pipeline of analytical.h with three SystemC threads (a DMA
// engine that both loads and stores, with the DRAM's latency and bandwidth; the PE array with
// its tile sequencer; the post-processing unit) over double-buffered SRAMs, with its lockstep
// rule: each step starts all three stages and ends when the slowest
// has finished (or runs them one after another when a buffer is single buffered). The array
// computes cycle by cycle (tile_runner.h, cpp_array.h); it is the only stage whose duration is
// measured rather than taken from the rule, so equal cycle counts check the array against
// TimeGemm. This header includes no SystemC.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/perf.h"
#include "quasar/sim/cycle/array_if.h"
#include "quasar/sim/cycle/format_gemm.h"

namespace quasar::sim::cycle {

struct CycleOptions {
  // Writes a VCD (a path ending in .vcd) of the pipeline stages, buffer fill levels and every
  // PE's partial sum (arrays of at most kMaxTracedPes PEs). Only the first run of a process can
  // trace: SystemC opens trace files before the simulation starts.
  std::string trace_path;
  // Check every addition against the accumulator's range even where the layer's bound proves
  // that none can overflow (for tests: the two paths must agree).
  bool always_check_overflow = false;
  // Called before each layer runs: (layer index, layer count, layer name).
  std::function<void(size_t, size_t, const std::string&)> on_layer;
  // The PE array: `make_array` builds it while the accelerator is elaborated (null: the C++
  // array). Like the trace, it is fixed by the first run of a process; `array_name` names it
  // so that a later run asking for another one is refused.
  std::function<std::unique_ptr<ArrayIf>()> make_array;
  std::string array_name = "cpp";
  // The widths make_array's array is built with (a network in number formats: its operands
  // must fit the lanes, its block sums the register); the defaults are the C++ array's.
  ArrayWidths array_widths;
  // With make_array: the layers that run on it (by name; empty: all). The others run on the
  // C++ array, which is much faster than an RTL one.
  std::set<std::string> array_layers;
  // Stop after this layer (by name; empty: run the whole network). CycleRun then holds the
  // layers up to and including it.
  std::string stop_after;
  // Record, for every output element of every layer (of array_layers when given), the simulated
  // cycle it was finished.
  bool record_output_cycles = false;
};
inline constexpr int64_t kMaxTracedPes = 1024;

struct CycleRun {
  std::vector<LayerPerf> layers;         // as the analytical model's, with cycles measured
  std::vector<int64_t> overflow_events;  // per layer: additions that wrapped or saturated
  std::map<std::string, models::IntTensor> tensors;  // every layer's output and the inputs
  // With record_output_cycles, per layer output (flat index): the simulated cycle (from the
  // start of the process's simulation) at which the post unit finished the element.
  std::map<std::string, std::vector<int64_t>> output_cycles;
  int64_t simulated_cycles = 0;
  double wall_seconds = 0;
};

// Runs `qnet` under `schedule` (compiled for `arch`) from quantized network inputs. Throws
// InputError when the schedule does not fit the network or a layer cannot run, or the trace
// cannot be written (CheckTracePath, more than kMaxTracedPes PEs, not the first run).
CycleRun RunCycleModel(const models::QuantizedNetwork& qnet, const compiler::Schedule& schedule,
                       const models::ArchSpec& arch,
                       const std::map<std::string, models::IntTensor>& inputs,
                       const CycleOptions& options = {});

// Throws InputError unless `path` ends in .vcd and can be written.
void CheckTracePath(const std::string& path);

// Runs a Job (backend.h) on the cycle model with `base` as the options that RunOptions does not
// set (the PE array: make_array and array_name): its quantized network (RunCycleModel), or its
// network in number formats (Job::formats, format_cycle_model.h). Throws InputError when the job
// has neither.
BackendRun RunCycleJob(const Job& job, const RunOptions& options, CycleOptions base);

// Registers the cycle model with the C++ PE array as backend "systemc".
void RegisterCycleBackend(BackendRegistry* registry);

}  // namespace quasar::sim::cycle
