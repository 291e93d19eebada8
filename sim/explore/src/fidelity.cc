// MeasureFidelity (compare.h): one golden run of a quantized network against its float network;
// MeasureAccuracy: golden runs over a labelled test set.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::sim::explore {

Fidelity MeasureFidelity(const models::NetworkSpec& net, uint64_t seed, int calib_samples,
                         const std::optional<models::AccumulatorSpec>& acc) {
  const models::FloatNetParams params = models::MakeFloatParams(net, seed);
  models::QuantizedNetwork q = models::QuantizePostTraining(net, params, seed, calib_samples);
  if (acc) {
    q = models::WithAccumulator(std::move(q), *acc);
  }
  const auto inputs = models::MakeInputs(net, seed, 0);
  const auto ref = models::RunFloatNetwork(net, params, inputs);
  const models::QuantizedRun run = models::RunQuantizedNetwork(q, inputs);
  for (const auto& [name, db] : models::LayerSqnr(q, run, ref)) {
    if (name == net.output) {
      return Fidelity{db, run.required_bits, run.overflow_events};
    }
  }
  throw std::logic_error("MeasureFidelity: no layer produces the output " + net.output);
}

AccuracySummary Summarize(const models::AccuracyReport& r) {
  const auto frac = [&](int64_t n) {
    return r.images > 0 ? static_cast<double>(n) / static_cast<double>(r.images) : 0.0;
  };
  AccuracySummary s;
  s.images = r.images;
  s.float_top1 = frac(r.float_top1);
  s.top1 = frac(r.int_top1);
  if (r.has_top5()) {
    s.top5 = frac(r.int_top5);
  }
  s.agreement = frac(r.agree_top1);
  s.sqnr_mean_db = r.sqnr_mean_db();
  s.sqnr_p5_db = r.sqnr_p5_db();
  for (const models::LayerAccumulatorUse& l : r.layers) {
    s.required_acc_bits = std::max(s.required_acc_bits, l.bound_bits);
    s.observed_acc_bits = std::max(s.observed_acc_bits, l.observed_bits);
  }
  s.overflow_events = r.overflow_events;
  return s;
}

AccuracySummary MeasureAccuracy(const models::NetworkSpec& net, const models::Dataset& data,
                                const std::optional<models::AccumulatorSpec>& acc,
                                const models::AccuracyOptions& options) {
  models::CheckNetworkFitsData(net, data);
  const models::FloatNetParams params = models::MakeFloatParams(net, 1);
  models::QuantizedNetwork q =
      models::QuantizeNetwork(net, params, models::CalibrationInputs(net, data));
  if (acc) {
    q = models::WithAccumulator(std::move(q), *acc);
  }
  return Summarize(models::EvaluateAccuracy(q, params, data, options));
}

}  // namespace quasar::sim::explore
