#include "simulator.h"

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <systemc>

#include "quasar/models/error.h"

namespace quasar::sim::cycle {

Simulator& Sim(const CycleOptions& options, const models::ArchSpec& arch) {
  // Never destroyed: modules must not be torn down after the SystemC kernel or a Verilated
  // model's context (function-local statics destroyed at exit in an order of their own).
  static Simulator& sim = *new Simulator;
  if (!sim.top) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    const bool trace = !options.trace_path.empty();
    if (trace) {
      if (arch.PeCount() > kMaxTracedPes) {
        throw InputError("--trace records every PE: at most " + std::to_string(kMaxTracedPes) +
                         " PEs, this array has " + std::to_string(arch.PeCount()));
      }
      CheckTracePath(options.trace_path);
    }
    sim.array_name = options.array_name;
    sim.top = std::make_unique<Accelerator>("accelerator", trace ? arch.PeCount() : 0,
                                            options.make_array ? options.make_array() : nullptr);
    if (trace) {
      std::string base = options.trace_path;
      base.resize(base.size() - 4);  // SystemC appends .vcd
      sim.trace = sc_core::sc_create_vcd_trace_file(base.c_str());
      sim.trace->set_time_unit(1, sc_core::SC_NS);
      sim.top->Trace(sim.trace, arch.cols);
    }
  } else if (!options.trace_path.empty() && sim.trace == nullptr) {
    throw InputError("--trace must be requested by the first run of a process");
  } else if (options.array_name != sim.array_name) {
    throw InputError("this process's cycle model was built with the " + sim.array_name +
                     " PE array; the " + options.array_name +
                     " array must be chosen by the first run of a process");
  }
  return sim;
}

// Runs what the accelerator was just given until it is idle again.
void RunToIdle(Accelerator& top) {
  sc_core::sc_start();
  if (!top.idle()) {
    throw std::logic_error("cycle model: the controller stopped before the layer finished");
  }
  top.RethrowError();
}

CloseTrace::~CloseTrace() {
  if (sim.trace != nullptr) {
    sc_core::sc_close_vcd_trace_file(sim.trace);
    sim.trace = nullptr;
    sim.top->StopTracing();
  }
}

// The cycle model's measured cycles and counted events of the layer `top` just ran.
void FillPerf(const models::ArchSpec& arch, const Accelerator& top, LayerPerf* p) {
  p->cycles = top.cycles;
  p->compute_cycles = top.compute_cycles;
  p->dram_cycles = top.dram_cycles;
  p->post_cycles = top.post_cycles;
  p->tiles = top.tiles;
  p->folds = top.folds;
  p->mapped_pe_folds = top.mapped_pe_folds;
  models::EventCounts e = top.events;
  e.mac_a_bits = p->events.mac_a_bits;  // the layer's widths, from NewLayerPerf
  e.mac_w_bits = p->events.mac_w_bits;
  e.acc_bits = p->events.acc_bits;
  e.binary = p->events.binary;
  e.mac_w_group = p->events.mac_w_group;
  p->events = e;
  FinishLayerPerf(arch, p);
}

}  // namespace quasar::sim::cycle
