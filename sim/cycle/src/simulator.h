#pragma once
// The process's one SystemC accelerator and what every run of it shares (internal to
// quasar_sim_cycle): the integer run (cycle_model.cc) and the number formats' run
// (format_cycle_model.cc) step the same modules.

#include <string>

#include "accelerator.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/sim/core/perf.h"
#include "quasar/sim/cycle/cycle_model.h"

namespace quasar::sim::cycle {

// SystemC elaborates once per process: one accelerator, reconfigured for every run.
struct Simulator {
  std::unique_ptr<Accelerator> top;
  sc_core::sc_trace_file* trace = nullptr;
  std::string array_name;
};

// The process's simulator, elaborated by its first call with `options`' trace and PE array;
// throws InputError when a later call asks for another array or a trace.
Simulator& Sim(const CycleOptions& options, const models::ArchSpec& arch);

// The trace covers one run only: closed on every way out, after which the accelerator runs
// untraced (SystemC cannot open another trace file once the simulation has started).
struct CloseTrace {
  Simulator& sim;
  ~CloseTrace();
};

// Runs what the accelerator was just given until it is idle again.
void RunToIdle(Accelerator& top);

// The cycle model's measured cycles and counted events of the layer `top` just ran.
void FillPerf(const models::ArchSpec& arch, const Accelerator& top, LayerPerf* p);

}  // namespace quasar::sim::cycle
