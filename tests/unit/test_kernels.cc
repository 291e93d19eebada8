// Golden convolution, depthwise, fully connected and matmul kernels: cross-checked against
// independent naive loops on every element, against each other, and at the accumulator boundary.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/gemm.h"
#include "test_util.h"

using namespace quasar::models;
using quasar::test::RandomInts;

namespace {

// The textbook definition, one output at a time, written independently of Conv2dAccumulate.
Tensor<int64_t> NaiveConv(const IntTensor& x, const IntTensor& w, const std::vector<int32_t>& bias,
                          const IntConvParams& p, int64_t* events) {
  const Conv2dGeometry& g = p.geometry;
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t ho = (h + g.pad_top + g.pad_bottom - g.dilation_h * (kh - 1) - 1) / g.stride_h + 1;
  const int64_t wo = (wd + g.pad_left + g.pad_right - g.dilation_w * (kw - 1) - 1) / g.stride_w + 1;
  Tensor<int64_t> out({n, o, ho, wo});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t oy = 0; oy < ho; ++oy)
        for (int64_t ox = 0; ox < wo; ++ox) {
          const int32_t zw =
              p.weight_zero_points.size() == 1 ? p.weight_zero_points[0] : p.weight_zero_points[oc];
          int64_t acc = bias.empty() ? 0 : AccumulateLoad(bias[oc], p.accumulator, events);
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;
                const int64_t ix = ox * g.stride_w + kx * g.dilation_w - g.pad_left;
                const int64_t ci = (oc / (o / g.groups)) * cg + ic;
                const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
                const int64_t xv =
                    inside ? x[((b * c + ci) * h + iy) * wd + ix] - p.input_zero_point : 0;
                const int64_t wv = w[((oc * cg + ic) * kh + ky) * kw + kx] - zw;
                acc = AccumulateAdd(acc, xv * wv, p.accumulator, events);
              }
          out[((b * o + oc) * ho + oy) * wo + ox] = acc;
        }
  return out;
}

void RequireEqual(const Tensor<int64_t>& a, const Tensor<int64_t>& b) {
  REQUIRE(a.shape == b.shape);
  int64_t mismatches = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && mismatches++ == 0) {
      FAIL_CHECK("first mismatch at " << i << ": " << a[i] << " vs " << b[i]);
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("conv2d equals the naive definition over random geometries and bit-widths") {
  uint64_t seed = 1;
  for (int trial = 0; trial < 60; ++trial, ++seed) {
    const int64_t groups = 1 + static_cast<int64_t>(seed % 3);
    const int64_t cg = 1 + static_cast<int64_t>(seed % 4);
    const int64_t og = 1 + static_cast<int64_t>((seed / 3) % 3);
    const int a_bits = 1 + static_cast<int>(seed % 16);
    const int w_bits = 2 + static_cast<int>((seed * 7) % 15);
    const bool a_unsigned = seed % 2 == 0;
    const IntType at = a_unsigned ? IntType::Unsigned(a_bits) : IntType::Signed(a_bits);
    const IntType wt = IntType::Signed(w_bits);
    IntConvParams p;
    p.geometry = {1 + static_cast<int64_t>(seed % 2),
                  1 + static_cast<int64_t>((seed / 2) % 3),
                  static_cast<int64_t>(seed % 3),
                  static_cast<int64_t>((seed / 3) % 2),
                  static_cast<int64_t>((seed / 5) % 3),
                  static_cast<int64_t>(seed % 2),
                  1 + static_cast<int64_t>((seed / 7) % 2),
                  1 + static_cast<int64_t>(seed % 2),
                  groups};
    p.input_zero_point = static_cast<int32_t>((at.min() + at.max()) / 2);
    p.weight_zero_points.clear();
    for (int64_t oc = 0; oc < groups * og; ++oc) {
      p.weight_zero_points.push_back(static_cast<int32_t>(oc % 3) - 1);
    }
    // Narrow accumulators in a third of the trials exercise the per-addition model.
    p.accumulator = {trial % 3 == 0 ? 12 : 32,
                     trial % 2 ? OverflowMode::kSaturate : OverflowMode::kWrap};
    const IntTensor x = RandomInts({2, groups * cg, 7, 6}, at.min(), at.max(), seed);
    const IntTensor w = RandomInts({groups * og, cg, 1 + static_cast<int64_t>(seed % 3),
                                    1 + static_cast<int64_t>((seed / 2) % 3)},
                                   wt.min() + 1, wt.max(), seed + 1000);
    const IntTensor bias_t = RandomInts({groups * og}, -5000, 5000, seed + 2000);
    const std::vector<int32_t> bias = trial % 4 == 0 ? std::vector<int32_t>{} : bias_t.data;
    INFO("trial " << trial << " a " << at.Name() << " w " << wt.Name() << " acc "
                  << p.accumulator.bits);
    KernelStats stats;
    int64_t naive_events = 0;
    const Tensor<int64_t> got = Conv2dAccumulate(x, w, bias, p, &stats);
    const Tensor<int64_t> want = NaiveConv(x, w, bias, p, &naive_events);
    RequireEqual(got, want);
    CHECK(stats.overflow_events == naive_events);
    CHECK(stats.macs == got.size() * w.dim(1) * w.dim(2) * w.dim(3));
  }
}

TEST_CASE("wrap and saturate in a conv at the accumulator boundary") {
  // 1x1 conv over 4 channels of 127 * 127 = 16129 in a 16-bit accumulator:
  // partial sums 16129, 32258, then 48387 > 32767.
  const IntTensor x({1, 4, 1, 1}, 127);
  const IntTensor w({1, 4, 1, 1}, 127);
  IntConvParams p;
  p.accumulator = {16, OverflowMode::kWrap};
  KernelStats wrap_stats;
  // wrap: 48387 - 65536 = -17149 (one event), then -17149 + 16129 = -1020.
  CHECK(Conv2dAccumulate(x, w, {}, p, &wrap_stats)[0] == -1020);
  CHECK(wrap_stats.overflow_events == 1);
  p.accumulator = {16, OverflowMode::kSaturate};
  KernelStats sat_stats;
  // saturate: 32767 after the third and again after the fourth addition.
  CHECK(Conv2dAccumulate(x, w, {}, p, &sat_stats)[0] == 32767);
  CHECK(sat_stats.overflow_events == 2);
  p.accumulator = {17, OverflowMode::kSaturate};
  KernelStats wide_stats;
  CHECK(Conv2dAccumulate(x, w, {}, p, &wide_stats)[0] == 4 * 16129);
  CHECK(wide_stats.overflow_events == 0);
}

TEST_CASE("depthwise equals grouped convolution with groups = channels") {
  for (int64_t multiplier : {1, 2, 3}) {
    for (int bits : {14, 32}) {
      const int64_t c = 5;
      IntConvParams p;
      p.geometry = {2, 1, 1, 2, 0, 1, 1, 2, 1};
      p.input_zero_point = 3;
      p.weight_zero_points = {0};
      p.accumulator = {bits, OverflowMode::kSaturate};
      const IntTensor x = RandomInts({2, c, 9, 8}, -128, 127, 11 + multiplier);
      const IntTensor w = RandomInts({c * multiplier, 1, 3, 3}, -127, 127, 12 + multiplier);
      const IntTensor b = RandomInts({c * multiplier}, -10000, 10000, 13);
      KernelStats dw, grouped;
      const Tensor<int64_t> a = DepthwiseConv2dAccumulate(x, w, b.data, p, &dw);
      p.geometry.groups = c;
      const Tensor<int64_t> g = Conv2dAccumulate(x, w, b.data, p, &grouped);
      INFO("multiplier " << multiplier << " bits " << bits);
      RequireEqual(a, g);
      CHECK(dw.overflow_events == grouped.overflow_events);
      CHECK((bits == 14 ? dw.overflow_events > 0 : dw.overflow_events == 0));
      CHECK(dw.macs == grouped.macs);
    }
  }
}

TEST_CASE("fully connected equals matmul with transposed weights, and batched matmul") {
  const IntTensor x = RandomInts({3, 20}, -8, 7, 21);
  const IntTensor w = RandomInts({6, 20}, -8, 7, 22);
  IntTensor wt({20, 6});
  for (int64_t o = 0; o < 6; ++o) {
    for (int64_t k = 0; k < 20; ++k) {
      wt[k * 6 + o] = w[o * 20 + k];
    }
  }
  IntGemmParams p{-2, {1, 0, -1, 2, 0, 1}, {32, OverflowMode::kWrap}};
  const std::vector<int32_t> bias{5, -5, 7, 0, 1, 2};
  KernelStats s1, s2;
  RequireEqual(FullyConnectedAccumulate(x, w, bias, p, &s1), MatMulAccumulate(x, wt, bias, p, &s2));
  CHECK(s1.macs == 3 * 6 * 20);
  // Batched: [2, 3, 20] x [2, 20, 6] equals two separate matmuls.
  const IntTensor a = RandomInts({2, 3, 20}, -8, 7, 23);
  const IntTensor b = RandomInts({2, 20, 6}, -8, 7, 24);
  const Tensor<int64_t> batched = MatMulAccumulate(a, b, {}, p, nullptr);
  for (int64_t bt = 0; bt < 2; ++bt) {
    const IntTensor a1(
        {3, 20}, std::vector<int32_t>(a.data.begin() + bt * 60, a.data.begin() + (bt + 1) * 60));
    const IntTensor b1(
        {20, 6}, std::vector<int32_t>(b.data.begin() + bt * 120, b.data.begin() + (bt + 1) * 120));
    const Tensor<int64_t> single = MatMulAccumulate(a1, b1, {}, p, nullptr);
    for (int64_t i = 0; i < 18; ++i) {
      CHECK(batched[bt * 18 + i] == single[i]);
    }
  }
  CHECK_THROWS_AS(MatMulAccumulate(a, IntTensor({3, 20, 6}), {}, p, nullptr), quasar::InputError);
}

TEST_CASE("fully connected and matmul equal the per-addition definition on every path") {
  // Three regimes: int8 values in a 32-bit accumulator (the int32 fast path), int16 values with
  // K = 300 in a 64-bit one (the bound exceeds int32: the int64 fast path), and a 16-bit
  // saturating accumulator that overflows (the per-addition path, overflow events counted).
  struct Case {
    int64_t lo, hi, k;
    AccumulatorSpec acc;
  };
  const Case cases[] = {{-128, 127, 40, {32, OverflowMode::kWrap}},
                        {-32768, 32767, 300, {64, OverflowMode::kWrap}},
                        {-128, 127, 40, {16, OverflowMode::kSaturate}}};
  for (const Case& c : cases) {
    INFO("values [" << c.lo << ", " << c.hi << "], K " << c.k << ", " << c.acc.bits << " bits");
    const int64_t n = 5, o = 7;
    const IntTensor x = RandomInts({n, c.k}, c.lo, c.hi, 31);
    const IntTensor w = RandomInts({o, c.k}, c.lo, c.hi, 32);
    const std::vector<int32_t> bias{100, -200, 300, 0, 5, -7, 9};
    const IntGemmParams p{3, {1, 0, -1, 2, 0, 1, -3}, c.acc};
    int64_t events = 0;
    Tensor<int64_t> want({n, o});
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t oc = 0; oc < o; ++oc) {
        int64_t acc = AccumulateLoad(bias[static_cast<size_t>(oc)], c.acc, &events);
        for (int64_t i = 0; i < c.k; ++i) {
          const int64_t prod =
              (int64_t{x[r * c.k + i]} - 3) * (int64_t{w[oc * c.k + i]} - p.weight_zero_points[oc]);
          acc = AccumulateAdd(acc, prod, c.acc, &events);
        }
        want[r * o + oc] = acc;
      }
    }
    KernelStats fc_stats;
    RequireEqual(FullyConnectedAccumulate(x, w, bias, p, &fc_stats), want);
    CHECK(fc_stats.overflow_events == events);
    CHECK((c.acc.bits == 16) == (events > 0));
    // The same as a matmul: x [N, K] times w transposed [K, O].
    IntTensor wt({c.k, o});
    for (int64_t oc = 0; oc < o; ++oc) {
      for (int64_t i = 0; i < c.k; ++i) {
        wt[i * o + oc] = w[oc * c.k + i];
      }
    }
    KernelStats mm_stats;
    RequireEqual(MatMulAccumulate(x, wt, bias, p, &mm_stats), want);
    CHECK(mm_stats.overflow_events == events);
  }
}

TEST_CASE("per-channel quantization equals per-tensor when all scales match") {
  LayerSpec spec;
  spec.op = LayerOp::kConv2d;
  spec.geometry.pad_top = spec.geometry.pad_bottom = 1;
  spec.geometry.pad_left = spec.geometry.pad_right = 1;
  spec.input = {IntType::Signed(8), {0.05f}, {-3}};
  spec.output = {IntType::Signed(8), {0.17f}, {4}};
  spec.bias = BiasConvention::kFloat;
  LayerInputs in;
  in.x = RandomInts({1, 4, 6, 6}, -128, 127, 31);
  in.weights = RandomInts({8, 4, 3, 3}, -127, 127, 32);
  FloatTensor fb({8});
  for (int64_t i = 0; i < 8; ++i) {
    fb[i] = 0.37f * static_cast<float>(i) - 1.1f;
  }
  in.bias_float = fb;
  for (RoundingMode mode : {RoundingMode::kTflite, RoundingMode::kTfliteSingle, RoundingMode::kOnnx,
                            RoundingMode::kTorchQnnpack}) {
    spec.rounding = mode;
    spec.weights = {IntType::Signed(8), {0.0123f}, {0}};
    const LayerResult per_tensor = RunLayer(spec, in);
    spec.weights = {IntType::Signed(8), std::vector<float>(8, 0.0123f), std::vector<int32_t>(8, 0)};
    const LayerResult per_channel = RunLayer(spec, in);
    INFO(RoundingModeName(mode));
    CHECK(per_tensor.output.data == per_channel.output.data);
    CHECK(per_tensor.bias == per_channel.bias);
    // And a different scale on one channel changes exactly that channel.
    spec.weights.scales[5] = 0.05f;
    const LayerResult changed = RunLayer(spec, in);
    int64_t differing_outside_channel_5 = 0, differing_in_channel_5 = 0;
    for (int64_t i = 0; i < changed.output.size(); ++i) {
      const bool differs = changed.output[i] != per_tensor.output[i];
      ((i / 36) % 8 == 5 ? differing_in_channel_5 : differing_outside_channel_5) += differs;
    }
    CHECK(differing_outside_channel_5 == 0);
    CHECK(differing_in_channel_5 > 0);
  }
}

TEST_CASE("the weight-refined width is enough: no overflow on the worst-case input") {
  // Non-negative weights and every input at its largest |x - z_x| = 255 make every product
  // positive, so the final sum reaches the bound exactly: the reported width must hold it and one
  // bit fewer must not.
  LayerSpec spec;
  spec.op = LayerOp::kFullyConnected;
  spec.input = {IntType::Unsigned(8), {1.0f}, {0}};
  spec.weights = {IntType::Signed(4), {1.0f}, {0}};
  spec.output = {IntType::Signed(8), {1024.0f}, {0}};
  LayerInputs in;
  in.weights = RandomInts({1, 64}, 0, 7, 41);
  in.x = IntTensor({1, 64}, 255);
  const LayerResult probe = RunLayer(spec, in);
  REQUIRE(probe.width.has_value());
  spec.accumulator = {probe.width->weight_bound_bits, OverflowMode::kWrap};
  CHECK(RunLayer(spec, in).stats.overflow_events == 0);
  spec.accumulator.bits -= 1;
  CHECK(RunLayer(spec, in).stats.overflow_events > 0);
  CHECK(probe.width->textbook_bits == 8 + 4 + 6);
  CHECK(probe.width->type_bound_bits >= probe.width->weight_bound_bits);
}

TEST_CASE("kernels reject inconsistent shapes with an InputError") {
  IntConvParams p;
  p.geometry.groups = 2;
  CHECK_THROWS_AS(
      Conv2dAccumulate(IntTensor({1, 3, 4, 4}), IntTensor({2, 3, 1, 1}), {}, p, nullptr),
      quasar::InputError);
  p.geometry.groups = 1;
  CHECK_THROWS_AS(
      Conv2dAccumulate(IntTensor({1, 3, 2, 2}), IntTensor({2, 3, 3, 3}), {}, p, nullptr),
      quasar::InputError);
  CHECK_THROWS_AS(
      Conv2dAccumulate(IntTensor({1, 3, 4, 4}), IntTensor({2, 3, 1, 1}), {1}, p, nullptr),
      quasar::InputError);
}
