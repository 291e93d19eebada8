#include "quasar/sim/explore/backend_eval.h"

#include <optional>

#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/core/check.h"
#include "quasar/sim/cycle/format_run_check.h"

namespace quasar::sim::explore {

BackendValues QuantizeForBackend(const models::NetworkSpec& net, uint64_t seed,
                                 int calib_samples) {
  BackendValues v;
  v.inputs = models::MakeInputs(net, seed, 0);
  if (models::NeedsEmulation(net)) {
    v.params = models::MakeFloatParams(net, seed);
    v.emulated = models::EmulateQuantization(
        net, v.params, models::PostTrainingCalibration(net, seed, calib_samples));
  } else {
    v.qnet =
        models::QuantizePostTraining(net, models::MakeFloatParams(net, seed), seed, calib_samples);
  }
  return v;
}

NetworkPerf RunOnBackend(const BackendInfo& info, const compiler::Schedule& schedule,
                         const models::ArchSpec& arch, const models::CostTable& table,
                         const models::NetworkSpec& net, uint64_t seed, int calib_samples) {
  std::optional<BackendValues> values;
  return RunOnBackend(info, schedule, arch, table, net, [&]() -> const BackendValues& {
    values = QuantizeForBackend(net, seed, calib_samples);
    return *values;
  });
}

NetworkPerf RunOnBackend(const BackendInfo& info, const compiler::Schedule& schedule,
                         const models::ArchSpec& arch, const models::CostTable& table,
                         const models::NetworkSpec& net, const BackendValuesSource& values) {
  const std::unique_ptr<Backend> backend = info.make();
  const RunOptions options;
  backend->Check(arch, options);
  const NetworkPerf analytical = EvaluateSchedule(schedule, arch, table);
  if (!info.moves_values) {
    return info.timing_reference ? analytical
                                 : backend->Run(Job{&schedule, &arch, &table}, options).perf;
  }
  if (!analytical.ok()) {
    return analytical;  // a layer cannot run: no backend runs it
  }
  const BackendValues& v = values();
  auto mismatch = [&](const std::string& d) {
    return BackendMismatch(info.name +
                           " disagrees with the golden reference or the analytical "
                           "model on " +
                           net.name + " on " + arch.name + ": " + d);
  };
  if (v.emulated) {
    const FormatJob formats{&net, &v.params, &*v.emulated, &v.inputs, arch.mac.accumulator};
    cycle::FormatCheckedRun r;
    try {
      r = cycle::RunCheckedFormats(
          *backend, cycle::FormatRunCheckJob{&formats, &schedule, &arch, &table, &analytical},
          options);
    } catch (const InputError& e) {
      throw InputError(net.name + " on " + arch.name + ": " + e.what());
    }
    if (const std::string d = r.FirstDisagreement(); !d.empty()) {
      throw mismatch(d);
    }
    return std::move(r.run.perf);
  }
  CheckJob job{&v.qnet, &v.inputs, &schedule, &arch, &table, &analytical};
  CheckedRun r = RunChecked(*backend, job, options);
  if (const std::string d = r.FirstDisagreement(); !d.empty()) {
    throw mismatch(d);
  }
  return std::move(r.run.perf);
}

}  // namespace quasar::sim::explore
