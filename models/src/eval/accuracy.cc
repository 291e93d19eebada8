// EvaluateAccuracy: the golden integer run and the float reference over a test set, on all
// cores, with the per-image results gathered in image order.

#include "quasar/models/eval/accuracy.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

#include "quasar/models/accumulator.h"
#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/parallel.h"

namespace quasar::models {
namespace {

const NetInput& OnlyInput(const NetworkSpec& net) {
  if (net.inputs.size() != 1) {
    throw InputError(net.name + ": accuracy runs take networks with one input, it has " +
                     std::to_string(net.inputs.size()));
  }
  return net.inputs[0];
}

// What one image gives.
struct ImageResult {
  int float_rank = 0, int_rank = 0;
  int32_t float_pred = 0, int_pred = 0;
  double sqnr = 0;
  double golden_seconds = 0, float_seconds = 0;
  std::vector<KernelStats> stats;  // per layer
  std::vector<LayerRunReport> reports;  // image 0 only: the widths, which hold for any input
};

int32_t Argmax(const std::vector<float>& v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

int RankOf(const std::vector<float>& scores, int label) {
  const float s = scores[static_cast<size_t>(label)];
  int rank = 0;
  for (int i = 0; i < static_cast<int>(scores.size()); ++i) {
    if (scores[i] > s || (scores[i] == s && i < label)) {
      ++rank;
    }
  }
  return rank;
}

double AccuracyReport::sqnr_mean_db() const { return MeanFiniteSqnrDb(sqnr_db); }

double AccuracyReport::sqnr_p5_db() const { return SqnrPercentile5Db(sqnr_db); }

int64_t AccuracyReport::exact_outputs() const {
  return std::count_if(sqnr_db.begin(), sqnr_db.end(),
                       [](double v) { return std::isinf(v) && v > 0; });
}

void CheckNetworkFitsData(const NetworkSpec& net, const Dataset& data) {
  const NetInput& in = OnlyInput(net);
  CheckDatasetFits(data, in.name, in.shape, net.output, net.ShapeOf(net.output));
}

std::vector<std::map<std::string, FloatTensor>> CalibrationInputs(const NetworkSpec& net,
                                                                  const Dataset& data) {
  const NetInput& in = OnlyInput(net);
  std::vector<std::map<std::string, FloatTensor>> out;
  for (int64_t i = 0; i < data.calibration.size(); ++i) {
    out.push_back({{in.name, data.calibration.Sample(i, in.shape)}});
  }
  return out;
}

namespace {

// The quantized run of one image: its output in float (dequantized), and what else it reports
// into `r` (the golden run: per-layer statistics).
using QuantizedOutput =
    std::function<FloatTensor(const std::map<std::string, FloatTensor>&, int64_t, ImageResult*)>;

// Every test image (or the first options.images) through RunFloatNetwork and `run_quantized`,
// on all cores, gathered in image order.
AccuracyReport Evaluate(const NetworkSpec& net, const FloatNetParams& params, const Dataset& data,
                        const AccuracyOptions& options, const QuantizedOutput& run_quantized) {
  CheckNetworkFitsData(net, data);
  const NetInput& in = OnlyInput(net);
  const int64_t total =
      options.images < 0 ? data.test.size() : std::min<int64_t>(options.images, data.test.size());

  std::vector<ImageResult> results(static_cast<size_t>(total));
  std::atomic<int64_t> done{0};
  std::atomic<bool> failed{false};
  const auto work = [&](size_t index) {
    const int64_t i = static_cast<int64_t>(index);
    try {
      const std::map<std::string, FloatTensor> inputs = {
          {in.name, data.test.Sample(i, in.shape)}};
      const auto t0 = std::chrono::steady_clock::now();
      const auto ref = RunFloatNetwork(net, params, inputs);
      const auto t1 = std::chrono::steady_clock::now();
      ImageResult& r = results[index];
      const FloatTensor q = run_quantized(inputs, i, &r);
      const auto t2 = std::chrono::steady_clock::now();
      const FloatTensor& f = ref.at(net.output);
      r.float_seconds = std::chrono::duration<double>(t1 - t0).count();
      r.golden_seconds = std::chrono::duration<double>(t2 - t1).count();
      const int label = data.test.labels[index];
      r.float_rank = RankOf(f.data, label);
      r.int_rank = RankOf(q.data, label);
      r.float_pred = Argmax(f.data);
      r.int_pred = Argmax(q.data);
      r.sqnr = SqnrDb(f, q);
    } catch (...) {
      failed = true;  // ends the progress loop; ParallelFor rethrows
      throw;
    }
    ++done;
  };
  const auto report_progress = [&] {
    while (done.load() < total && !failed) {
      options.progress(done.load(), total);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  ParallelFor(static_cast<size_t>(total), options.threads, work,
              options.progress ? std::function<void()>(report_progress) : std::function<void()>());
  if (options.progress) {
    options.progress(total, total);
  }

  AccuracyReport report;
  report.images = total;
  report.classes = 1;
  for (int64_t d : net.ShapeOf(net.output)) {
    report.classes *= static_cast<int>(d);
  }
  std::vector<KernelStats> layer_stats;
  for (size_t i = 0; i < results.size(); ++i) {
    const ImageResult& r = results[i];
    report.labels.push_back(data.test.labels[i]);
    report.float_pred.push_back(r.float_pred);
    report.int_pred.push_back(r.int_pred);
    report.sqnr_db.push_back(r.sqnr);
    report.golden_seconds += r.golden_seconds;
    report.float_seconds += r.float_seconds;
    report.float_top1 += r.float_rank == 0;
    report.int_top1 += r.int_rank == 0;
    report.float_top5 += r.float_rank < 5;
    report.int_top5 += r.int_rank < 5;
    report.agree_top1 += r.float_pred == r.int_pred;
    layer_stats.resize(r.stats.size());
    for (size_t l = 0; l < r.stats.size(); ++l) {
      layer_stats[l].macs += r.stats[l].macs;
      layer_stats[l].overflow_events += r.stats[l].overflow_events;
      if (r.stats[l].has_range()) {
        layer_stats[l].Observe(r.stats[l].acc_min);
        layer_stats[l].Observe(r.stats[l].acc_max);
      }
    }
  }
  // The widths that hold for any input do not depend on the image: image 0's run gives them.
  if (total > 0) {
    const std::vector<LayerRunReport>& first = results[0].reports;
    for (size_t l = 0; l < first.size(); ++l) {
      const LayerRunReport& lr = first[l];
      report.overflow_events += layer_stats[l].overflow_events;
      if (!lr.width || !layer_stats[l].has_range()) {
        continue;
      }
      LayerAccumulatorUse u;
      u.name = lr.name;
      u.acc_min = layer_stats[l].acc_min;
      u.acc_max = layer_stats[l].acc_max;
      u.overflow_events = layer_stats[l].overflow_events;
      // [min, max] fits a b-bit register iff -2^(b-1) <= min and max <= 2^(b-1) - 1.
      const uint64_t magnitude = std::max<uint64_t>(
          u.acc_min < 0 ? static_cast<uint64_t>(-(u.acc_min + 1)) : 0,
          u.acc_max > 0 ? static_cast<uint64_t>(u.acc_max) : 0);
      u.observed_bits = SignedBitsFor(magnitude);
      u.bound_bits = lr.required_bits();
      u.textbook_bits = lr.width->textbook_bits;
      u.configured_bits = lr.accumulator_bits;
      report.layers.push_back(u);
    }
  }
  return report;
}

}  // namespace

AccuracyReport EvaluateAccuracy(const QuantizedNetwork& qnet, const FloatNetParams& params,
                                const Dataset& data, const AccuracyOptions& options) {
  const NetworkSpec& net = qnet.net;
  const QuantParams& out_params = qnet.tensors.at(net.output);
  const int out_axis = static_cast<int>(net.ShapeOf(net.output).size()) > 1 ? 1 : 0;
  return Evaluate(net, params, data, options,
                  [&](const std::map<std::string, FloatTensor>& inputs, int64_t i, ImageResult* r) {
                    const QuantizedRun run = RunQuantizedNetwork(qnet, inputs);
                    for (const LayerRunReport& l : run.layers) {
                      r->stats.push_back(l.stats);
                    }
                    if (i == 0) {
                      r->reports = run.layers;
                    }
                    return DequantizeTensor(run.tensors.at(net.output), out_params, out_axis);
                  });
}

AccuracyReport EvaluateEmulatedAccuracy(const NetworkSpec& net, const EmulatedNetwork& e,
                                        const FloatNetParams& params, const Dataset& data,
                                        const AccuracyOptions& options,
                                        const decltype(FloatRunHooks::compute)& compute) {
  return Evaluate(net, params, data, options,
                  [&](const std::map<std::string, FloatTensor>& inputs, int64_t, ImageResult*) {
                    return RunEmulatedNetwork(net, e, inputs, compute).at(net.output);
                  });
}

}  // namespace quasar::models
