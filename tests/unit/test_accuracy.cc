// Accuracy runs on real data: the digits CNN of tests/data/digits (trained in PyTorch) through
// the float reference and the golden integer run, checked against PyTorch's own predictions,
// against a direct per-image recount, across thread counts and under narrower accumulators.

#include <catch2/catch.hpp>

#include "quasar/models/accumulator.h"
#include "quasar/models/eval/accuracy.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/precision.h"
#include "quasar/models/npy.h"

namespace quasar::models {
namespace {

const std::string kDir = std::string(QUASAR_SOURCE_DIR) + "/tests/data/digits/";

NetworkSpec DigitsCnn(const std::string& bits) {
  NetworkSpec net = LoadNetwork(kDir + "digits_cnn.yaml");
  const auto [w, a] = ParseBitsShorthand(bits);
  w.ApplyTo(&net.policy.weights);
  a.ApplyTo(&net.policy.activations);
  return ResolvePrecision(std::move(net));
}

struct Quantized {
  QuantizedNetwork q;
  FloatNetParams params;
};

Quantized Quantize(const NetworkSpec& net, const Dataset& data) {
  FloatNetParams params = MakeFloatParams(net, 1);
  return {QuantizeNetwork(net, params, CalibrationInputs(net, data)), params};
}

TEST_CASE("RankOf: ties go to the lower class index") {
  const std::vector<float> s = {0.5f, 2.0f, 2.0f, -1.0f};
  CHECK(RankOf(s, 1) == 0);
  CHECK(RankOf(s, 2) == 1);
  CHECK(RankOf(s, 0) == 2);
  CHECK(RankOf(s, 3) == 3);
}

TEST_CASE("the digits CNN: float run = PyTorch, w8a8 close to float, counts recounted") {
  const Dataset data = LoadDataset("digits", 256);
  const NetworkSpec net = DigitsCnn("w8a8");
  const Quantized m = Quantize(net, data);
  const AccuracyReport r = EvaluateAccuracy(m.q, m.params, data);
  REQUIRE(r.images == 360);
  CHECK(r.classes == 10);
  // The float reference is PyTorch's network: the same top-1 on every test image.
  const NpyArray torch = ReadNpy(kDir + "torch_top1.npy");
  REQUIRE(torch.ints.size() == 360);
  for (size_t i = 0; i < 360; ++i) {
    INFO("image " << i);
    CHECK(r.float_pred[i] == torch.ints[i]);
  }
  CHECK(r.float_top1 >= 330);                  // 93 % in PyTorch
  CHECK(r.int_top1 >= r.float_top1 - 4);       // 8 bits lose at most about 1 %
  CHECK(r.agree_top1 >= 355);
  CHECK(r.sqnr_mean_db() > 30);
  CHECK(r.sqnr_p5_db() > 25);
  CHECK(r.sqnr_p5_db() <= r.sqnr_mean_db());
  // Each count is the sum of the per-image results, and each prediction a direct run's.
  int64_t top1 = 0, agree = 0;
  for (size_t i = 0; i < 360; ++i) {
    top1 += r.int_pred[i] == r.labels[i];
    agree += r.int_pred[i] == r.float_pred[i];
  }
  CHECK(top1 == r.int_top1);
  CHECK(agree == r.agree_top1);
  const NetInput& in = net.inputs[0];
  std::vector<int64_t> lo(3, INT64_MAX), hi(3, INT64_MIN);
  for (int64_t i = 0; i < data.test.size(); ++i) {
    const QuantizedRun run = RunQuantizedNetwork(m.q, {{in.name, data.test.Sample(i, in.shape)}});
    const FloatTensor out =
        DequantizeTensor(run.tensors.at(net.output), m.q.tensors.at(net.output), 1);
    CHECK(std::max_element(out.data.begin(), out.data.end()) - out.data.begin() ==
          r.int_pred[static_cast<size_t>(i)]);
    size_t w = 0;
    for (const LayerRunReport& l : run.layers) {
      if (l.width) {
        lo[w] = std::min(lo[w], l.stats.acc_min);
        hi[w] = std::max(hi[w], l.stats.acc_max);
        ++w;
      }
    }
  }
  REQUIRE(r.layers.size() == 3);
  for (size_t w = 0; w < 3; ++w) {
    INFO(r.layers[w].name);
    CHECK(r.layers[w].acc_min == lo[w]);
    CHECK(r.layers[w].acc_max == hi[w]);
    CHECK(AccumulatorSpec{r.layers[w].observed_bits, OverflowMode::kWrap}.Holds(lo[w]));
    CHECK(AccumulatorSpec{r.layers[w].observed_bits, OverflowMode::kWrap}.Holds(hi[w]));
    CHECK_FALSE((AccumulatorSpec{r.layers[w].observed_bits - 1, OverflowMode::kWrap}.Holds(lo[w]) &&
                 AccumulatorSpec{r.layers[w].observed_bits - 1, OverflowMode::kWrap}.Holds(hi[w])));
    CHECK(r.layers[w].observed_bits <= r.layers[w].bound_bits);
    CHECK(r.layers[w].bound_bits <= r.layers[w].textbook_bits);
    CHECK(r.layers[w].overflow_events == 0);
  }
}

TEST_CASE("accuracy reports are the same for 1, 2 and 3 threads") {
  const Dataset data = LoadDataset("digits", 64);
  const Quantized m = Quantize(DigitsCnn("w4a4"), data);
  AccuracyOptions one;
  one.threads = 1;
  const AccuracyReport a = EvaluateAccuracy(m.q, m.params, data, one);
  for (int threads : {2, 3}) {
    AccuracyOptions o;
    o.threads = threads;
    int64_t last = -1;
    o.progress = [&](int64_t done, int64_t total) {
      CHECK(done >= last);
      CHECK(total == 360);
      last = done;
    };
    const AccuracyReport b = EvaluateAccuracy(m.q, m.params, data, o);
    CHECK(last == 360);
    CHECK(b.int_pred == a.int_pred);
    CHECK(b.float_pred == a.float_pred);
    CHECK(b.sqnr_db == a.sqnr_db);
    CHECK(b.int_top5 == a.int_top5);
    REQUIRE(b.layers.size() == a.layers.size());
    for (size_t l = 0; l < a.layers.size(); ++l) {
      CHECK(b.layers[l].acc_min == a.layers[l].acc_min);
      CHECK(b.layers[l].acc_max == a.layers[l].acc_max);
    }
  }
  AccuracyOptions some;
  some.images = 50;
  CHECK(EvaluateAccuracy(m.q, m.params, data, some).images == 50);
}

TEST_CASE("a wrapping accumulator as wide as the observed range changes no prediction") {
  // Two's complement wrap is arithmetic modulo 2^bits, so partial sums may overflow as long as
  // every final value fits; one bit fewer than a layer needs must show.
  const Dataset data = LoadDataset("digits", 64);
  const Quantized m = Quantize(DigitsCnn("w8a8"), data);
  const AccuracyReport wide = EvaluateAccuracy(m.q, m.params, data);
  int bits = 0;
  for (const auto& l : wide.layers) {
    bits = std::max(bits, l.observed_bits);
  }
  const AccuracyReport fits = EvaluateAccuracy(
      WithAccumulator(m.q, AccumulatorSpec{bits, OverflowMode::kWrap}), m.params, data);
  CHECK(fits.int_pred == wide.int_pred);
  CHECK(fits.sqnr_db == wide.sqnr_db);
  const AccuracyReport narrow = EvaluateAccuracy(
      WithAccumulator(m.q, AccumulatorSpec{bits - 1, OverflowMode::kWrap}), m.params, data);
  CHECK(narrow.overflow_events > 0);
  CHECK(narrow.sqnr_db != wide.sqnr_db);
  const AccuracyReport saturated = EvaluateAccuracy(
      WithAccumulator(m.q, AccumulatorSpec{bits - 1, OverflowMode::kSaturate}), m.params, data);
  CHECK(saturated.overflow_events > 0);
}

TEST_CASE("a network that does not fit the data is refused before any run") {
  const Dataset data = LoadDataset("digits", 8);
  NetworkSpec net = LoadNetwork(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/lenet5.yaml");
  CHECK_THROWS_WITH(CheckNetworkFitsData(net, data),
                    Catch::Contains("samples are [1, 8, 8], the network input 'image' is "
                                    "[1, 1, 32, 32]"));
}

}  // namespace
}  // namespace quasar::models
