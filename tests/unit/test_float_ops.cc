// Float reference kernels and the SQNR metric: the float convolution, FC and matmul against the
// integer golden kernels on small integer-valued tensors (exact in float32) on every element,
// pooling against hand-computed windows, transpose, activations, errors, SQNR closed forms.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "quasar/models/error.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/ref/conv2d.h"
#include "quasar/models/ref/float_ops.h"
#include "quasar/models/ref/gemm.h"
#include "test_util.h"

using namespace quasar::models;
using Catch::Matchers::Contains;
using quasar::test::RandomInts;

namespace {

FloatTensor ToFloat(const IntTensor& t) {
  FloatTensor f(t.shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    f[i] = static_cast<float>(t[i]);
  }
  return f;
}

std::vector<float> ToFloat(const std::vector<int32_t>& v) {
  return std::vector<float>(v.begin(), v.end());
}

// Every element equal; integer accumulators here stay far below 2^24, so float32 is exact.
void RequireExact(const FloatTensor& got, const Tensor<int64_t>& want) {
  REQUIRE(got.shape == want.shape);
  int64_t mismatches = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    if (static_cast<double>(got[i]) != static_cast<double>(want[i]) && mismatches++ == 0) {
      FAIL_CHECK("first mismatch at " << i << ": " << got[i] << " vs " << want[i]);
    }
  }
  CHECK(mismatches == 0);
}

// Compares FloatConv2d (or the depthwise kernel) with the integer kernel for one geometry.
void CheckConv(const Shape& xs, const Shape& ws, const Conv2dGeometry& g, bool depthwise,
               bool with_bias, uint64_t seed) {
  const IntTensor x = RandomInts(xs, -8, 7, seed);
  const IntTensor w = RandomInts(ws, -8, 7, seed + 1);
  const std::vector<int32_t> bias =
      with_bias ? RandomInts({ws[0]}, -100, 100, seed + 2).data : std::vector<int32_t>{};
  IntConvParams p;
  p.geometry = g;
  const Tensor<int64_t> want = depthwise ? DepthwiseConv2dAccumulate(x, w, bias, p, nullptr)
                                         : Conv2dAccumulate(x, w, bias, p, nullptr);
  const FloatTensor got = depthwise ? FloatDepthwiseConv2d(ToFloat(x), ToFloat(w), ToFloat(bias), g)
                                    : FloatConv2d(ToFloat(x), ToFloat(w), ToFloat(bias), g);
  RequireExact(got, want);
}

}  // namespace

TEST_CASE("float conv equals the integer convolution on every element") {
  // {stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w, groups}
  struct Case {
    const char* name;
    Conv2dGeometry g;
    Shape w;
  };
  const Case cases[] = {
      {"3x3 pad 1", {1, 1, 1, 1, 1, 1, 1, 1, 1}, {6, 4, 3, 3}},
      {"stride 2", {2, 2, 1, 1, 1, 1, 1, 1, 1}, {6, 4, 3, 3}},
      {"stride 3 horizontal only", {1, 3, 0, 2, 0, 1, 1, 1, 1}, {5, 4, 3, 3}},
      {"asymmetric padding", {1, 1, 2, 0, 1, 3, 1, 1, 1}, {6, 4, 3, 2}},
      {"dilation 2", {1, 1, 2, 2, 2, 2, 2, 2, 1}, {6, 4, 3, 3}},
      {"dilation 2 stride 2", {2, 2, 1, 3, 0, 1, 2, 2, 1}, {3, 4, 3, 3}},
      {"groups 2", {1, 1, 1, 1, 1, 1, 1, 1, 2}, {6, 2, 3, 3}},
      {"groups 4 stride 2", {2, 2, 0, 1, 1, 0, 1, 1, 4}, {8, 1, 2, 3}},
      {"1x1 stride 2", {2, 2, 0, 0, 0, 0, 1, 1, 1}, {7, 4, 1, 1}},
      {"1x7 kernel, padding 3", {1, 1, 0, 3, 0, 3, 1, 1, 1}, {2, 4, 1, 7}},
  };
  uint64_t seed = 100;
  for (const Case& c : cases) {
    for (bool with_bias : {false, true}) {
      INFO(c.name << (with_bias ? " with bias" : ""));
      // Width 21 runs rows through the 8-, 4- and 1-wide paths of the inner loop.
      CheckConv({2, 4, 9, 21}, c.w, c.g, false, with_bias, seed += 3);
    }
  }
}

TEST_CASE("float conv equals the integer convolution over random geometries") {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const int64_t groups = 1 + static_cast<int64_t>(seed % 3);
    const Conv2dGeometry g{1 + static_cast<int64_t>(seed % 2),
                           1 + static_cast<int64_t>((seed / 2) % 4),
                           static_cast<int64_t>(seed % 3),
                           static_cast<int64_t>((seed / 3) % 3),
                           static_cast<int64_t>((seed / 5) % 3),
                           static_cast<int64_t>(seed % 2),
                           1 + static_cast<int64_t>((seed / 7) % 2),
                           1 + static_cast<int64_t>((seed / 4) % 3),
                           groups};
    const Shape ws{groups * (1 + static_cast<int64_t>(seed % 2)),
                   1 + static_cast<int64_t>(seed % 3), 1 + static_cast<int64_t>((seed / 2) % 3),
                   1 + static_cast<int64_t>(seed % 4)};
    INFO("seed " << seed);
    CheckConv({1 + static_cast<int64_t>(seed % 2), groups * ws[1],
               6 + static_cast<int64_t>(seed % 5), 10 + static_cast<int64_t>(seed % 14)},
              ws, g, false, seed % 2 == 0, seed * 7);
  }
}

TEST_CASE("float depthwise conv equals DepthwiseConv2dAccumulate, multipliers 1 to 3") {
  for (int64_t m : {1, 2, 3}) {
    INFO("multiplier " << m);
    CheckConv({2, 5, 9, 20}, {5 * m, 1, 3, 3}, {2, 2, 1, 2, 0, 1, 1, 1, 1}, true, true, 40 + m);
    CheckConv({1, 3, 8, 17}, {3 * m, 1, 3, 3}, {1, 1, 2, 2, 2, 2, 2, 2, 1}, true, false, 50 + m);
  }
}

TEST_CASE("float fully connected and matmul equal the integer kernels") {
  IntGemmParams p;
  // K = 37: four 8-blocks of the partial sums and a 5-element tail.
  const IntTensor x = RandomInts({3, 37}, -8, 7, 1);
  const IntTensor w = RandomInts({11, 37}, -8, 7, 2);
  const std::vector<int32_t> bias = RandomInts({11}, -50, 50, 3).data;
  RequireExact(FloatFullyConnected(ToFloat(x), ToFloat(w), ToFloat(bias)),
               FullyConnectedAccumulate(x, w, bias, p, nullptr));
  RequireExact(FloatFullyConnected(ToFloat(x), ToFloat(w), {}),
               FullyConnectedAccumulate(x, w, {}, p, nullptr));
  // [N, C, H, W] flattens to [N, C*H*W]; a rank-1 x is one row.
  const IntTensor x4 = RandomInts({2, 3, 2, 3}, -8, 7, 4);
  const IntTensor w18 = RandomInts({5, 18}, -8, 7, 5);
  RequireExact(FloatFullyConnected(ToFloat(x4), ToFloat(w18), {}),
               FullyConnectedAccumulate(x4, w18, {}, p, nullptr));
  const IntTensor x1 = RandomInts({18}, -8, 7, 6);
  RequireExact(FloatFullyConnected(ToFloat(x1), ToFloat(w18), {}),
               FullyConnectedAccumulate(x1, w18, {}, p, nullptr));

  const IntTensor a = RandomInts({2, 3, 5, 19}, -8, 7, 7);
  const IntTensor b = RandomInts({2, 3, 19, 13}, -8, 7, 8);
  RequireExact(FloatMatMul(ToFloat(a), ToFloat(b)), MatMulAccumulate(a, b, {}, p, nullptr));
  const IntTensor shared = RandomInts({19, 21}, -8, 7, 9);  // rank-2 b serves every batch
  RequireExact(FloatMatMul(ToFloat(a), ToFloat(shared)),
               MatMulAccumulate(a, shared, {}, p, nullptr));
}

TEST_CASE("float pooling matches hand-computed windows including padding") {
  // 1x1x3x4 input; 3x3 windows, stride 2, padding 1 on every side -> 2x2 output.
  const FloatTensor x({1, 1, 3, 4}, std::vector<float>{-1, -2, -3, -4,  //
                                                       -5, -6, -7, -8,  //
                                                       -9, -10, -11, -12});
  PoolParams p;
  p.kernel_h = p.kernel_w = 3;
  p.geometry.stride_h = p.geometry.stride_w = 2;
  p.geometry.pad_top = p.geometry.pad_left = p.geometry.pad_bottom = p.geometry.pad_right = 1;
  // Windows (rows, cols in bounds): (0..1, 0..1), (0..1, 1..3), (1..2, 0..1), (1..2, 1..3).
  // Max: all negative, so padding (0) must not win.
  CHECK(FloatMaxPool2d(x, p).data == std::vector<float>{-1, -2, -5, -6});
  // Average over in-bounds taps: (-1-2-5-6)/4, (-2-3-4-6-7-8)/6, (-5-6-9-10)/4,
  // (-6-7-8-10-11-12)/6.
  CHECK(FloatAvgPool2d(x, p).data == std::vector<float>{-3.5f, -5.0f, -7.5f, -9.0f});
  // count_include_pad divides every window by 9.
  p.count_include_pad = true;
  const FloatTensor avg_pad = FloatAvgPool2d(x, p);
  const float want[] = {-14.0f / 9, -30.0f / 9, -30.0f / 9, -54.0f / 9};
  for (int i = 0; i < 4; ++i) {
    CHECK(avg_pad[i] == Approx(want[i]).epsilon(1e-6));
  }
  // Asymmetric: 1x2 windows, stride 2, left padding 1 -> windows {pad, -4} and {2, 6}.
  PoolParams q;
  q.kernel_h = 1;
  q.kernel_w = 2;
  q.geometry.stride_w = 2;
  q.geometry.pad_left = 1;
  const FloatTensor row({1, 1, 1, 4}, std::vector<float>{-4, 2, 6, -8});
  CHECK(FloatMaxPool2d(row, q).data == std::vector<float>{-4, 6});
  CHECK(FloatAvgPool2d(row, q).data == std::vector<float>{-4, 4});
  q.count_include_pad = true;
  CHECK(FloatAvgPool2d(row, q).data == std::vector<float>{-2, 4});
}

TEST_CASE("float add and activations") {
  const FloatTensor a({2, 2}, std::vector<float>{1.5f, -2, 7, -0.25f});
  const FloatTensor b({2, 2}, std::vector<float>{0.5f, 1, 0, -3});
  FloatTensor y = FloatAdd(a, b);
  CHECK(y.data == std::vector<float>{2, -1, 7, -3.25f});
  FloatTensor none = y;
  ApplyActivation(&none, Activation::kNone);
  CHECK(none.data == y.data);
  FloatTensor relu = y;
  ApplyActivation(&relu, Activation::kRelu);
  CHECK(relu.data == std::vector<float>{2, 0, 7, 0});
  ApplyActivation(&y, Activation::kRelu6);
  CHECK(y.data == std::vector<float>{2, 0, 6, 0});
  FloatTensor nan({1}, std::numeric_limits<float>::quiet_NaN());
  ApplyActivation(&nan, Activation::kRelu6);
  CHECK(std::isnan(nan[0]));
}

TEST_CASE("transpose: hand examples and round trips") {
  const FloatTensor m({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  const FloatTensor t = Transpose(m, {1, 0});
  CHECK(t.shape == Shape{3, 2});
  CHECK(t.data == std::vector<float>{1, 4, 2, 5, 3, 6});
  // [2, 3, 4] with perm {2, 0, 1}: out[k, i, j] = x[i, j, k] = 12i + 4j + k.
  IntTensor x({2, 3, 4});
  for (int32_t i = 0; i < 24; ++i) {
    x[i] = i;
  }
  const IntTensor xt = Transpose(x, {2, 0, 1});
  CHECK(xt.shape == Shape{4, 2, 3});
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        CHECK(xt[(k * 2 + i) * 3 + j] == 12 * i + 4 * j + k);
      }
  // Round trip through a permutation and its inverse, NCHW <-> NHWC.
  const IntTensor r = RandomInts({2, 3, 4, 5}, -100, 100, 1);
  const IntTensor nhwc = Transpose(r, {0, 2, 3, 1});
  CHECK(nhwc.shape == Shape{2, 4, 5, 3});
  CHECK(Transpose(nhwc, {0, 3, 1, 2}).data == r.data);
  CHECK(Transpose(r, {0, 1, 2, 3}).data == r.data);
  CHECK(Transpose(ToFloat(r), {3, 2, 1, 0}).data == ToFloat(Transpose(r, {3, 2, 1, 0})).data);
  CHECK_THROWS_AS(Transpose(r, {0, 1, 1, 2}), quasar::InputError);
  CHECK_THROWS_AS(Transpose(r, {0, 1, 2, 4}), quasar::InputError);
  CHECK_THROWS_WITH(Transpose(m, {0, 1, 2}), Contains("[0, 1, 2]") && Contains("[2, 3]"));
}

TEST_CASE("float kernels reject bad shapes with InputError, as the integer path does") {
  const FloatTensor x({1, 4, 5, 5});
  const FloatTensor w({6, 3, 3, 3});  // dim 1 should be 4
  CHECK_THROWS_WITH(FloatConv2d(x, w, {}, {}), Contains("[6, 3, 3, 3]"));
  CHECK_THROWS_AS(
      Conv2dAccumulate(IntTensor({1, 4, 5, 5}), IntTensor({6, 3, 3, 3}), {}, {}, nullptr),
      quasar::InputError);
  CHECK_THROWS_AS(FloatConv2d(FloatTensor({4, 5, 5}), FloatTensor({6, 4, 3, 3}), {}, {}),
                  quasar::InputError);
  CHECK_THROWS_WITH(FloatConv2d(x, FloatTensor({6, 4, 3, 3}), {1, 2}, {}),
                    Contains("bias has 2 entries"));
  Conv2dGeometry grouped;
  grouped.groups = 3;  // 4 channels not divisible by 3
  CHECK_THROWS_AS(FloatConv2d(x, FloatTensor({6, 1, 3, 3}), {}, grouped), quasar::InputError);
  CHECK_THROWS_AS(FloatConv2d(x, FloatTensor({6, 4, 7, 7}), {}, {}), quasar::InputError);
  CHECK_THROWS_AS(FloatDepthwiseConv2d(x, FloatTensor({8, 2, 3, 3}), {}, {}), quasar::InputError);
  CHECK_THROWS_AS(FloatDepthwiseConv2d(x, FloatTensor({6, 1, 3, 3}), {}, {}), quasar::InputError);
  CHECK_THROWS_WITH(FloatFullyConnected(FloatTensor({2, 10}), FloatTensor({3, 9}), {}),
                    Contains("[3, 9]"));
  CHECK_THROWS_AS(FloatFullyConnected(FloatTensor({2, 9}), FloatTensor({3, 9}), {1}),
                  quasar::InputError);
  CHECK_THROWS_AS(FloatMatMul(FloatTensor({2, 3, 4}), FloatTensor({2, 5, 6})), quasar::InputError);
  CHECK_THROWS_AS(FloatMatMul(FloatTensor({2, 3, 4}), FloatTensor({3, 4, 6})), quasar::InputError);
  CHECK_THROWS_AS(FloatMatMul(FloatTensor({4}), FloatTensor({4, 2})), quasar::InputError);
  PoolParams p;
  p.geometry.pad_left = 2;  // padding must be < kernel 2
  CHECK_THROWS_AS(FloatMaxPool2d(x, p), quasar::InputError);
  CHECK_THROWS_AS(FloatAvgPool2d(FloatTensor({4, 5, 5}), PoolParams{}), quasar::InputError);
  CHECK_THROWS_WITH(FloatAdd(x, FloatTensor({1, 4, 5, 4})),
                    Contains("[1, 4, 5, 5]") && Contains("[1, 4, 5, 4]"));
}

TEST_CASE("SQNR equals the closed form and is infinite for identical tensors") {
  // Signal 1 + 4 + 9 + 16 = 30, noise 0.25 + 0.25 + 0.0625 + 0 = 0.5625.
  const FloatTensor ref({2, 2}, std::vector<float>{1, -2, 3, -4});
  const FloatTensor test({2, 2}, std::vector<float>{1.5f, -2.5f, 3.25f, -4});
  CHECK(SqnrDb(ref, test) == Approx(10.0 * std::log10(30.0 / 0.5625)).epsilon(1e-12));
  // A constant signal 1 with noise +-1/8: SQNR = 10 log10(64) = 18.06 dB, for any length.
  FloatTensor ones({1000}, 1.0f), noisy({1000});
  for (int64_t i = 0; i < 1000; ++i) {
    noisy[i] = i % 2 ? 1.125f : 0.875f;
  }
  CHECK(SqnrDb(ones, noisy) == Approx(10.0 * std::log10(64.0)).epsilon(1e-12));
  // Scaling both tensors leaves the ratio unchanged; swapping them changes it.
  FloatTensor ref8 = ref, test8 = test;
  for (int64_t i = 0; i < 4; ++i) {
    ref8[i] *= 8;
    test8[i] *= 8;
  }
  CHECK(SqnrDb(ref8, test8) == Approx(SqnrDb(ref, test)).epsilon(1e-12));
  CHECK(SqnrDb(test, ref) != Approx(SqnrDb(ref, test)));

  constexpr double kInf = std::numeric_limits<double>::infinity();
  CHECK(SqnrDb(ref, ref) == kInf);
  CHECK(SqnrDb(FloatTensor({3}), FloatTensor({3})) == kInf);         // all zero, identical
  CHECK(SqnrDb(FloatTensor({0}), FloatTensor({0})) == kInf);         // empty
  CHECK(SqnrDb(FloatTensor({3}), FloatTensor({3}, 0.5f)) == -kInf);  // zero reference
  CHECK_THROWS_WITH(SqnrDb(ref, FloatTensor({4})), Contains("[2, 2]") && Contains("[4]"));
  FloatTensor bad = test;
  bad[2] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(SqnrDb(ref, bad), Contains("test element 2"));
}

TEST_CASE("DequantizeTensor per tensor and per channel") {
  const IntTensor q({2, 3, 2}, std::vector<int32_t>{-128, 0, 1, 2, 3, 127,  //
                                                    10, 20, 30, 40, 50, 60});
  const QuantParams per_tensor{IntType::Signed(8), {0.5f}, {2}};
  const FloatTensor t = DequantizeTensor(q, per_tensor, 0);
  CHECK(t.shape == q.shape);
  CHECK(t[0] == -65.0f);
  CHECK(t[5] == 62.5f);
  CHECK(t[11] == 29.0f);
  // Channels along axis 1 (3 channels, 2 elements each): element i is in channel (i / 2) % 3.
  const QuantParams per_channel{IntType::Signed(8), {1.0f, 0.25f, 2.0f}, {0, 1, -1}};
  for (int axis : {1, -2}) {
    const FloatTensor c = DequantizeTensor(q, per_channel, axis);
    CHECK(c.data == std::vector<float>{-128, 0, 0, 0.25f, 8, 256,  //
                                       10, 20, 7.25f, 9.75f, 102, 122});
  }
  CHECK_THROWS_AS(DequantizeTensor(q, per_channel, 2), quasar::InputError);  // 2 channels there
  CHECK_THROWS_AS(DequantizeTensor(q, per_channel, 3), quasar::InputError);  // no axis 3
  const QuantParams uint4{IntType::Unsigned(4), {1.0f}, {0}};
  CHECK_THROWS_AS(DequantizeTensor(q, uint4, 0), quasar::InputError);  // -128 is not a uint4
}
