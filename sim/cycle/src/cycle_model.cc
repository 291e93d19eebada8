#include "quasar/sim/cycle/cycle_model.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <systemc>

#include "accelerator.h"
#include "quasar/compiler/lower.h"
#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/ref/float_ops.h"
#include "quasar/models/text_file.h"

namespace quasar::sim::cycle {
namespace {

using compiler::CeilDiv;
using compiler::LayerKind;
using compiler::LayerSchedule;
using compiler::PackedBytes;

// SystemC elaborates once per process: one accelerator, reconfigured for every run.
struct Simulator {
  std::unique_ptr<Accelerator> top;
  sc_core::sc_trace_file* trace = nullptr;
  std::string array_name;
};

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

// The post-processing unit's arithmetic on a whole post-only layer: the golden pooling, add
// and transpose functions (models/ref/pool_add.h, float_ops.h) and RunDequantized (ops.h) are
// its specification.
models::IntTensor RunPostLayer(const models::NetLayer& l, const models::QuantizedLayer& ql,
                               const std::map<std::string, models::QuantParams>& params,
                               const std::map<std::string, models::IntTensor>& tensors) {
  const models::OpDef& op = models::OpOf(l.op);
  if (op.runs_dequantized) {
    return models::RunDequantized(l, params, tensors, l.precision.rounding);
  }
  if (!ql.runs_kernel) {
    return op.move_ints(l, tensors.at(l.inputs[0]), params.at(l.inputs[0]));
  }
  std::vector<const models::IntTensor*> ins;
  for (const std::string& name : l.inputs) {
    ins.push_back(&tensors.at(name));
  }
  return models::RunLayer(ql.spec, op.int_inputs(ins, ql)).output;
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

}  // namespace

void CheckTracePath(const std::string& path) {
  if (path.size() <= 4 || path.substr(path.size() - 4) != ".vcd") {
    throw InputError("--trace: the file name must end in .vcd, got '" + path + "'");
  }
  const bool existed = PathExists(path);
  std::ofstream probe(path, std::ios::binary | std::ios::app);
  if (!probe) {
    throw InputError("--trace: cannot write " + path);
  }
  probe.close();
  if (!existed) {
    std::filesystem::remove(path);  // leave nothing behind if the run is refused later
  }
}

CycleRun RunCycleModel(const models::QuantizedNetwork& qnet, const compiler::Schedule& schedule,
                       const models::ArchSpec& arch,
                       const std::map<std::string, models::IntTensor>& inputs,
                       const CycleOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const models::NetworkSpec& net = qnet.net;
  if (schedule.layers.size() != net.layers.size()) {
    throw InputError("the schedule has " + std::to_string(schedule.layers.size()) +
                     " layers, the network " + std::to_string(net.layers.size()));
  }
  if (const LayerSchedule* bad = schedule.FirstInfeasible()) {
    throw InputError("layer " + bad->name + " cannot run: " + bad->status);
  }
  Simulator& sim = Sim(options, arch);
  Accelerator& top = *sim.top;
  // The trace covers this run only: closed on every way out, after which the accelerator runs
  // untraced (SystemC cannot open another trace file once the simulation has started).
  struct CloseTrace {
    Simulator& sim;
    ~CloseTrace() {
      if (sim.trace != nullptr) {
        sc_core::sc_close_vcd_trace_file(sim.trace);
        sim.trace = nullptr;
        sim.top->StopTracing();
      }
    }
  } close_trace{sim};
  top.Configure(arch);
  auto known = [&](const std::string& name) {
    for (const models::NetLayer& l : net.layers) {
      if (l.name == name) {
        return true;
      }
    }
    return false;
  };
  for (const std::string& name : options.array_layers) {
    if (!known(name)) {
      throw InputError("no layer named '" + name + "' in network " + net.name);
    }
  }
  if (!options.stop_after.empty() && !known(options.stop_after)) {
    throw InputError("no layer named '" + options.stop_after + "' in network " + net.name);
  }
  CycleRun run;
  run.tensors = inputs;
  for (const models::NetInput& in : net.inputs) {
    auto it = inputs.find(in.name);
    if (it == inputs.end() || it->second.shape != in.shape) {
      throw InputError("network input '" + in.name + "' must have shape " +
                       models::ShapeToString(in.shape));
    }
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const models::NetLayer& nl = net.layers[i];
    const models::QuantizedLayer& ql = qnet.layers[i];
    const LayerSchedule& l = schedule.layers[i];
    if (options.on_layer) {
      options.on_layer(i, net.layers.size(), nl.name);
    }
    LayerPerf p = NewLayerPerf(l);
    const bool record = options.record_output_cycles &&
                        (options.array_layers.empty() || options.array_layers.count(nl.name) > 0);
    int64_t overflows = 0;
    models::IntTensor y;
    if (l.kind == LayerKind::kGemm) {
      const models::IntTensor* second =
          models::GemmBIsInput(nl.op) ? &run.tensors.at(nl.inputs[1]) : nullptr;
      GemmLayer data(nl, ql, l, run.tensors.at(nl.inputs[0]), second, arch.mac.binary_lanes > 0);
      const bool alternate = options.make_array != nullptr &&
                             (options.array_layers.empty() || options.array_layers.count(nl.name));
      top.StartGemm(Accelerator::GemmJob{&data, &l, options.always_check_overflow, alternate});
      RunToIdle(top);
      overflows = top.overflow_events;
      y = data.TakeOutput();
      if (record) {
        run.output_cycles[nl.name] = data.TakeFinishCycles();
      }
    } else {
      y = RunPostLayer(nl, ql, qnet.tensors, run.tensors);
      if (l.kind == LayerKind::kPost) {
        top.StartPost(l, sim::PostChunks(l, arch));
        RunToIdle(top);
      }
      if (record) {
        // The post unit's arithmetic is not element-timed: every element at the layer's end.
        const auto now = static_cast<int64_t>(sc_core::sc_time_stamp() / CycleTime());
        run.output_cycles[nl.name].assign(static_cast<size_t>(y.size()), now);
      }
    }
    if (l.kind != LayerKind::kView) {
      FillPerf(arch, top, &p);
    }
    run.simulated_cycles += p.cycles;
    run.layers.push_back(std::move(p));
    run.overflow_events.push_back(overflows);
    run.tensors[nl.name] = std::move(y);
    if (nl.name == options.stop_after) {
      break;
    }
  }
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace quasar::sim::cycle
