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
#include "quasar/sim/cycle/gemm_layer.h"
#include "simulator.h"

namespace quasar::sim::cycle {
namespace {

using compiler::CeilDiv;
using compiler::LayerKind;
using compiler::LayerSchedule;
using compiler::PackedBytes;

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
  const CloseTrace close_trace{sim};
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
