#pragma once
// Accuracy of a quantized network on labelled data: top-1 and top-5 of the integer golden run
// and of its float reference, how often their top-1 agree, the output SQNR over every input, and
// what the accumulators held over the whole set. Images run on all cores; every per-image result
// is stored by its index, so the report is the same for any thread count.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "quasar/models/data/dataset.h"
#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"

namespace quasar::models {

struct AccuracyOptions {
  int64_t images = -1;  // the first N test images; < 0: all of them
  int threads = 0;      // 0: std::thread::hardware_concurrency()
  // Called on the calling thread, about every 0.2 s and at the end, with images done and total.
  std::function<void(int64_t, int64_t)> progress;
};

// One weighted layer's accumulators over the whole set.
struct LayerAccumulatorUse {
  std::string name;
  int64_t acc_min = 0, acc_max = 0;  // final accumulator values (bias included)
  int64_t overflow_events = 0;
  int observed_bits = 0;  // narrowest two's complement register holding [acc_min, acc_max]
  int bound_bits = 0;     // the width that holds for any input (LayerRunReport::required_bits)
  int textbook_bits = 0;  // a_bits + w_bits + ceil(log2 K)
  int configured_bits = 0;
};

struct AccuracyReport {
  int64_t images = 0;
  int classes = 0;
  // Counts over `images`.
  int64_t float_top1 = 0, float_top5 = 0, int_top1 = 0, int_top5 = 0, agree_top1 = 0;
  std::vector<int32_t> labels, float_pred, int_pred;  // per image (top-1 by lowest index on ties)
  std::vector<double> sqnr_db;                        // per image: integer output vs float
  std::vector<LayerAccumulatorUse> layers;            // weighted and matmul layers, in order
  int64_t overflow_events = 0;
  // Time spent in the golden integer runs and in the float reference runs, summed over the
  // worker threads (thread-seconds).
  double golden_seconds = 0, float_seconds = 0;

  bool has_top5() const { return classes > 5; }
  // Mean of the finite per-image SQNRs (+inf: an output equal to the float one, left out and
  // counted by exact_outputs()); nearest-rank 5th percentile of all of them.
  double sqnr_mean_db() const;
  double sqnr_p5_db() const;
  int64_t exact_outputs() const;
};

// The network's one input and its output, checked against the data (CheckDatasetFits).
void CheckNetworkFitsData(const NetworkSpec& net, const Dataset& data);

// The calibration split as network inputs, for QuantizeNetwork.
std::vector<std::map<std::string, FloatTensor>> CalibrationInputs(const NetworkSpec& net,
                                                                  const Dataset& data);

// Runs every test image (or the first options.images) through RunQuantizedNetwork and
// RunFloatNetwork. The top-k of each run is over its output's values (dequantized for the integer
// run) in order, ties going to the lower class index.
AccuracyReport EvaluateAccuracy(const QuantizedNetwork& qnet, const FloatNetParams& params,
                                const Dataset& data, const AccuracyOptions& options = {});

// The same with the quantization emulated in float32 (net/emulated_quant.h) standing for the
// integer run, for the number formats and weight groups: the `int_` counts and the SQNR are the
// emulated network's; no accumulator is reported (`layers` empty, no overflow events).
// `compute` is the emulated run's hook (RunEmulatedNetwork): the golden format run's kernels
// (sim/cycle/format_network.h, `quasar infer` on a number format).
struct EmulatedNetwork;
AccuracyReport EvaluateEmulatedAccuracy(const NetworkSpec& net, const EmulatedNetwork& e,
                                        const FloatNetParams& params, const Dataset& data,
                                        const AccuracyOptions& options = {},
                                        const decltype(FloatRunHooks::compute)& compute = {});

// The rank of `label` among `scores` (0: the top-1), ties going to the lower index.
int RankOf(const std::vector<float>& scores, int label);

}  // namespace quasar::models
