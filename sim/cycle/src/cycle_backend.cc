// The cycle model behind the Backend interface.

#include "quasar/models/error.h"
#include "quasar/sim/cycle/cpp_array.h"
#include "quasar/sim/cycle/cycle_model.h"
#include "quasar/sim/cycle/format_cycle_model.h"
#include "quasar/sim/cycle/format_gemm.h"

namespace quasar::sim::cycle {
namespace {

class CycleBackend final : public Backend {
 public:
  BackendRun Run(const Job& job, const RunOptions& options) const override {
    return RunCycleJob(job, options, CycleOptions{});
  }
  std::string Title(const models::ArchSpec&) const override { return "SystemC cycle model"; }
  void Check(const models::ArchSpec& arch, const RunOptions& options) const override {
    RequireQuasarConventions(arch, Title(arch));
    if (options.trace_path.empty()) {
      return;
    }
    if (arch.PeCount() > kMaxTracedPes) {
      throw InputError("--trace records every PE: at most " + std::to_string(kMaxTracedPes) +
                       " PEs, this array has " + std::to_string(arch.PeCount()));
    }
    CheckTracePath(options.trace_path);
  }
  // The C++ array: 32-bit lanes, registers as wide as the sums need (ArrayWidths' defaults).
  void RunOnArray(const models::ArchSpec& arch, const RunOptions& options,
                  const std::function<void(ArrayIf&, const ArrayWidths&)>& body) const override {
    Check(arch, options);
    CppArray array;
    body(array, ArrayWidths{});
  }
};

}  // namespace

BackendRun RunCycleJob(const Job& job, const RunOptions& options, CycleOptions base) {
  if ((job.qnet == nullptr || job.inputs == nullptr) && job.formats == nullptr) {
    throw InputError("the cycle model moves values: it needs a quantized network and its inputs");
  }
  base.trace_path = options.trace_path;
  base.always_check_overflow = options.always_check_overflow;
  base.on_layer = options.on_layer;
  base.array_layers = options.array_layers;
  base.stop_after = options.stop_after;
  base.record_output_cycles = options.record_output_cycles;
  if (job.formats != nullptr) {
    FormatCycleRun run = RunFormatCycleModel(*job.formats, *job.schedule, *job.arch, base);
    BackendRun r;
    r.perf = Summarize(job.schedule->network, *job.arch, *job.table, std::move(run.layers));
    r.overflow_events = std::move(run.overflow_events);
    r.float_tensors = std::move(run.tensors);
    r.wall_seconds = run.wall_seconds;
    return r;
  }
  CycleRun run = RunCycleModel(*job.qnet, *job.schedule, *job.arch, *job.inputs, base);
  BackendRun r;
  r.perf = Summarize(job.schedule->network, *job.arch, *job.table, std::move(run.layers));
  r.overflow_events = std::move(run.overflow_events);
  r.tensors = std::move(run.tensors);
  r.output_cycles = std::move(run.output_cycles);
  r.wall_seconds = run.wall_seconds;
  return r;
}

void RegisterCycleBackend(BackendRegistry* registry) {
  registry->Add({"systemc",
                 "SystemC cycle model with real values on the C++ PE array (docs/cycle-model.md)",
                 /*moves_values=*/true, /*concurrent=*/false, /*timing_reference=*/false,
                 /*rtl_mode=*/"",
                 [] { return std::make_unique<CycleBackend>(); }});
}

}  // namespace quasar::sim::cycle
