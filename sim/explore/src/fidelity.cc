// MeasureFidelity (compare.h): one golden run of a quantized network against its float network;
// MeasureAccuracy: golden runs over a labelled test set.

#include "quasar/models/fidelity.h"

#include <algorithm>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/parallel.h"
#include "quasar/sim/cycle/format_network.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::sim::explore {
namespace {

// The golden format run's FP8 MAC register when measuring a precision: wide enough that every
// sum is exact.
models::AccumulatorSpec ExactFp8Register() {
  return {models::kMaxFp8AccumulatorBits, models::OverflowMode::kWrap};
}

}  // namespace

bool FidelityMeasurable(const models::NetworkSpec& net, int acc_bits) {
  return acc_bits <= models::kMaxAccumulatorBits || models::NeedsEmulation(net);
}

Fidelity MeasureFidelity(const models::NetworkSpec& net, uint64_t seed, int calib_samples,
                         const std::optional<models::AccumulatorSpec>& acc,
                         const FidelityOptions& options) {
  const models::FloatNetParams params = models::MakeFloatParams(net, seed);
  Fidelity f;
  f.emulated = models::NeedsEmulation(net);
  std::optional<models::QuantizedNetwork> q;
  std::optional<models::EmulatedNetwork> emulated;
  if (f.emulated) {
    emulated = models::EmulateQuantization(
        net, params, models::PostTrainingCalibration(net, seed, calib_samples));
  } else {
    q = models::QuantizePostTraining(net, params, seed, calib_samples);
    if (acc) {
      q = models::WithAccumulator(std::move(*q), *acc);
    }
  }
  bool real_inputs = false;
  for (const models::NetInput& in : net.inputs) {
    real_inputs = real_inputs || !in.file.empty() || !in.calibration.empty();
  }
  f.synthetic_weights = models::HasSyntheticWeights(net);
  // Sample 0, then the samples after the calibration ones (1..n).
  const int n = real_inputs ? 1 : std::max(1, options.inputs);
  const int first_after = calib_samples + 1;
  std::vector<double> sqnr(static_cast<size_t>(n));
  std::vector<int64_t> overflows(static_cast<size_t>(n));
  std::vector<int> required(static_cast<size_t>(n));
  models::ParallelFor(static_cast<size_t>(n), options.threads, [&](size_t i) {
    const auto inputs =
        models::MakeInputs(net, seed, i == 0 ? 0 : first_after + static_cast<int>(i) - 1);
    const auto ref = models::RunFloatNetwork(net, params, inputs);
    if (emulated) {
      sqnr[i] = models::SqnrDb(
          ref.at(net.output),
          options.golden_formats
              ? cycle::RunGoldenFormatNetwork(net, params, *emulated, inputs, ExactFp8Register())
                    .at(net.output)
              : models::RunEmulatedNetwork(net, *emulated, inputs).at(net.output));
      return;
    }
    const models::QuantizedRun run = models::RunQuantizedNetwork(*q, inputs);
    const models::FloatTensor out =
        models::DequantizeTensor(run.tensors.at(net.output), q->tensors.at(net.output), 0);
    sqnr[i] = models::SqnrDb(ref.at(net.output), out);
    overflows[i] = run.overflow_events;
    required[i] = run.required_bits;
  });
  f.inputs = n;
  f.output_sqnr_db = models::MeanFiniteSqnrDb(sqnr);
  f.output_sqnr_p5_db = models::SqnrPercentile5Db(sqnr);
  f.required_acc_bits = *std::max_element(required.begin(), required.end());
  for (int64_t o : overflows) {
    f.overflow_events += o;
  }
  return f;
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
                                const models::AccuracyOptions& options, bool golden_formats) {
  models::CheckNetworkFitsData(net, data);
  const models::FloatNetParams params = models::MakeFloatParams(net, 1);
  if (models::NeedsEmulation(net)) {
    const models::EmulatedNetwork e =
        models::EmulateQuantization(net, params, models::CalibrationInputs(net, data));
    AccuracySummary s = Summarize(models::EvaluateEmulatedAccuracy(
        net, e, params, data, options,
        golden_formats
            ? cycle::FormatCompute(net, params, e, cycle::GoldenFormatKernels(ExactFp8Register()))
            : decltype(models::FloatRunHooks::compute){}));
    s.emulated = true;
    return s;
  }
  models::QuantizedNetwork q =
      models::QuantizeNetwork(net, params, models::CalibrationInputs(net, data));
  if (acc) {
    q = models::WithAccumulator(std::move(q), *acc);
  }
  return Summarize(models::EvaluateAccuracy(q, params, data, options));
}

}  // namespace quasar::sim::explore
