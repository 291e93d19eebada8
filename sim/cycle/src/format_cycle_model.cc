#include "quasar/sim/cycle/format_cycle_model.h"

#include <chrono>
#include <optional>

#include "accelerator.h"
#include "quasar/models/error.h"
#include "quasar/sim/cycle/array_fit_error.h"
#include "quasar/sim/cycle/format_network.h"
#include "quasar/sim/cycle/format_tiles.h"
#include "simulator.h"

namespace quasar::sim::cycle {
namespace {

using compiler::LayerKind;
using compiler::LayerSchedule;

void RefuseOptions(const CycleOptions& options) {
  auto refuse = [](const std::string& what) {
    throw InputError("a network in number formats runs on the cycle model " + what);
  };
  if (!options.array_layers.empty() || !options.stop_after.empty()) {
    refuse("every layer, to the end");
  }
  if (options.record_output_cycles) {
    refuse("without the cycle of each output element");
  }
}

}  // namespace

FormatCycleRun RunFormatCycleModel(const FormatJob& job, const compiler::Schedule& schedule,
                                   const models::ArchSpec& arch, const CycleOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  if (job.net == nullptr || job.params == nullptr || job.emulated == nullptr ||
      job.inputs == nullptr) {
    throw std::logic_error("RunFormatCycleModel: an incomplete FormatJob");
  }
  const models::NetworkSpec& net = *job.net;
  if (schedule.layers.size() != net.layers.size()) {
    throw InputError("the schedule has " + std::to_string(schedule.layers.size()) +
                     " layers, the network " + std::to_string(net.layers.size()));
  }
  if (const LayerSchedule* bad = schedule.FirstInfeasible()) {
    throw InputError("layer " + bad->name + " cannot run: " + bad->status);
  }
  RefuseOptions(options);
  Simulator& sim = Sim(options, arch);
  Accelerator& top = *sim.top;
  const CloseTrace close_trace{sim};
  top.Configure(arch);

  std::map<std::string, size_t> index;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    index[net.layers[i].name] = i;
  }
  FormatCycleRun run;
  run.overflow_events.assign(net.layers.size(), 0);
  std::vector<std::optional<LayerPerf>> perf(net.layers.size());
  // A GEMM layer's tiles on the accelerator; the kernel's outputs through the float step.
  auto compute =
      [&](const models::NetLayer& l,
          const std::vector<const models::FloatTensor*>& in) -> std::optional<models::FloatTensor> {
    const size_t i = index.at(l.name);
    const LayerSchedule& ls = schedule.layers[i];
    if (options.on_layer) {
      options.on_layer(i, net.layers.size(), l.name);
    }
    if (ls.kind != LayerKind::kGemm) {
      return std::nullopt;
    }
    try {
      const FormatLayerOrReason made = MakeFormatLayer(net, l, *job.params, *job.emulated, in);
      if (!made.layer) {
        throw InputError(made.reason +
                         ", so the golden format run computes it in float32, which the "
                         "accelerator's PEs do not");
      }
      const bool alternate = options.make_array != nullptr;
      const std::unique_ptr<FormatTiles> tiles = MakeFormatTiles(
          *made.layer, ls, job.fp8_acc, alternate ? options.array_widths : ArrayWidths{});
      top.StartGemm(
          Accelerator::GemmJob{tiles.get(), &ls, options.always_check_overflow, alternate});
      RunToIdle(top);
      LayerPerf p = NewLayerPerf(ls);
      FillPerf(arch, top, &p);
      perf[i] = std::move(p);
      run.overflow_events[i] = top.overflow_events;
      return FormatLayerOutput(*made.layer, tiles->TakeOutputs());
    } catch (const ArrayFitError& err) {
      throw ArrayFitError("layer '" + l.name + "': " + err.what(), err.key());
    } catch (const InputError& err) {
      throw InputError("layer '" + l.name + "': " + err.what());
    }
  };
  run.tensors = models::RunEmulatedNetwork(net, *job.emulated, *job.inputs, compute);
  // The other layers' time: the post unit's chunks, which do not depend on the values.
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (!perf[i]) {
      const LayerSchedule& ls = schedule.layers[i];
      LayerPerf p = NewLayerPerf(ls);
      if (ls.kind == LayerKind::kPost) {
        top.StartPost(ls, sim::PostChunks(ls, arch));
        RunToIdle(top);
      }
      if (ls.kind != LayerKind::kView) {
        FillPerf(arch, top, &p);
      }
      perf[i] = std::move(p);
    }
    run.layers.push_back(std::move(*perf[i]));
  }
  run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace quasar::sim::cycle
