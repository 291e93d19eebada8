// Binary (XNOR-popcount) convolution equals the same convolution done on -1/+1 integers, for
// every padding convention and popcount lane width; ternary weights run on the generic kernel.

#include <catch2/catch.hpp>

#include "quasar/models/error.h"
#include "quasar/models/layer.h"
#include "quasar/models/ref/binary_conv2d.h"
#include "test_util.h"

using namespace quasar::models;
using quasar::test::RandomBipolar;

namespace {

// Pads x explicitly with `value` on every side given by `g`.
IntTensor PadWith(const IntTensor& x, const Conv2dGeometry& g, int32_t value) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t hp = h + g.pad_top + g.pad_bottom, wp = w + g.pad_left + g.pad_right;
  IntTensor out({n, c, hp, wp}, value);
  for (int64_t nc = 0; nc < n * c; ++nc)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t xx = 0; xx < w; ++xx)
        out[(nc * hp + y + g.pad_top) * wp + xx + g.pad_left] = x[(nc * h + y) * w + xx];
  return out;
}

Conv2dGeometry Unpadded(Conv2dGeometry g) {
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 0;
  return g;
}

}  // namespace

TEST_CASE("binary conv equals integer conv on -1/+1 values, for each padding and lane width") {
  const std::vector<Conv2dGeometry> geometries = {
      {1, 1, 1, 1, 1, 1, 1, 1, 1}, {2, 1, 0, 2, 1, 0, 1, 2, 1}, {1, 2, 2, 1, 0, 1, 2, 1, 2}};
  uint64_t seed = 100;
  for (const Conv2dGeometry& g : geometries) {
    const IntTensor x = RandomBipolar({2, 4, 7, 7}, seed++);
    const IntTensor w = RandomBipolar({6, 4 / g.groups, 3, 3}, seed++);
    const std::vector<int32_t> bias{3, -2, 0, 7, -9, 1};
    for (BinaryPad pad : {BinaryPad::kZero, BinaryPad::kPlusOne, BinaryPad::kMinusOne}) {
      for (int lanes : {1, 7, 64}) {
        INFO("pad " << BinaryPadName(pad) << " lanes " << lanes << " groups " << g.groups);
        BinaryConvParams bp{g, pad, lanes, {32, OverflowMode::kWrap}};
        KernelStats bstats;
        const Tensor<int64_t> got = BinaryConv2dAccumulate(x, w, bias, bp, &bstats);
        IntConvParams ip;
        ip.accumulator = bp.accumulator;
        Tensor<int64_t> want;
        if (pad == BinaryPad::kZero) {
          ip.geometry = g;  // integer padding contributes 0
          want = Conv2dAccumulate(x, w, bias, ip, nullptr);
        } else {
          ip.geometry = Unpadded(g);
          want = Conv2dAccumulate(PadWith(x, g, pad == BinaryPad::kPlusOne ? 1 : -1), w, bias, ip,
                                  nullptr);
        }
        REQUIRE(got.shape == want.shape);
        CHECK(got.data == want.data);
        CHECK(bstats.macs == got.size() * w.dim(1) * 9);
      }
    }
  }
}

TEST_CASE("lane groups wider than one 64-bit word add their popcount once") {
  // K = 16 x 3 x 3 = 144 taps, unpadded, all-+1 weights and a saturating 8-bit accumulator:
  // the sum of each group is added once, so the overflow count and the saturated value
  // depend on where the groups end. Reference: the group sums of the +-1 products.
  const Conv2dGeometry g{1, 1, 0, 0, 0, 0, 1, 1, 1};
  const IntTensor x = RandomBipolar({1, 16, 4, 4}, 11);
  IntTensor w({2, 16, 3, 3}, 1);
  for (int lanes : {65, 100, 128, 144, 1024}) {
    INFO("lanes " << lanes);
    const AccumulatorSpec acc{8, OverflowMode::kSaturate};
    KernelStats stats;
    const Tensor<int64_t> got = BinaryConv2dAccumulate(
        x, w, {}, BinaryConvParams{g, BinaryPad::kPlusOne, lanes, acc}, &stats);
    int64_t events = 0;
    for (int64_t oc = 0; oc < 2; ++oc) {
      for (int64_t oy = 0; oy < 2; ++oy) {
        for (int64_t ox = 0; ox < 2; ++ox) {
          int64_t v = 0, group = 0;
          int filled = 0;
          for (int64_t ic = 0; ic < 16; ++ic) {
            for (int64_t ky = 0; ky < 3; ++ky) {
              for (int64_t kx = 0; kx < 3; ++kx) {
                group += x[(ic * 4 + oy + ky) * 4 + ox + kx];  // weight +1
                if (++filled == lanes) {
                  v = AccumulateAdd(v, group, acc, &events);
                  group = 0, filled = 0;
                }
              }
            }
          }
          if (filled > 0) {
            v = AccumulateAdd(v, group, acc, &events);
          }
          CHECK(got[(oc * 2 + oy) * 2 + ox] == v);
        }
      }
    }
    CHECK(stats.overflow_events == events);
  }
  CHECK_THROWS_AS(
      BinaryConv2dAccumulate(x, w, {}, BinaryConvParams{g, BinaryPad::kPlusOne, 1025, {}}, nullptr),
      quasar::InputError);
}

TEST_CASE("binary conv with one lane overflows exactly like the integer conv") {
  const Conv2dGeometry g{1, 1, 1, 1, 1, 1, 1, 1, 1};
  const IntTensor x = RandomBipolar({1, 16, 5, 5}, 7);
  IntTensor w({4, 16, 3, 3}, 1);  // all +1 weights: partial sums run far
  for (OverflowMode mode : {OverflowMode::kWrap, OverflowMode::kSaturate}) {
    const AccumulatorSpec acc{8, mode};
    KernelStats b, i;
    const Tensor<int64_t> got =
        BinaryConv2dAccumulate(x, w, {}, {g, BinaryPad::kPlusOne, 1, acc}, &b);
    IntConvParams ip{Unpadded(g), 0, {0}, acc};
    const Tensor<int64_t> want = Conv2dAccumulate(PadWith(x, g, 1), w, {}, ip, &i);
    CHECK(got.data == want.data);
    CHECK(b.overflow_events == i.overflow_events);
  }
  // A sum of 144 +-1 taps fits 9 bits; an 8-bit accumulator must overflow on all-ones input.
  const IntTensor ones({1, 16, 5, 5}, 1);
  KernelStats s;
  BinaryConv2dAccumulate(ones, w, {}, {g, BinaryPad::kPlusOne, 64, {8, OverflowMode::kWrap}}, &s);
  CHECK(s.overflow_events > 0);
}

TEST_CASE("binary conv rejects values other than -1/+1") {
  IntTensor x = RandomBipolar({1, 2, 3, 3}, 1);
  x[4] = 0;
  CHECK_THROWS_AS(BinaryConv2dAccumulate(x, RandomBipolar({1, 2, 1, 1}, 2), {}, {}, nullptr),
                  quasar::InputError);
  // Geometry goes through the convolution's own checks (a zero stride must not divide by zero).
  const IntTensor ok = RandomBipolar({1, 2, 3, 3}, 3);
  BinaryConvParams bad;
  bad.geometry.stride_w = 0;
  CHECK_THROWS_AS(BinaryConv2dAccumulate(ok, RandomBipolar({1, 2, 1, 1}, 2), {}, bad, nullptr),
                  quasar::InputError);
  bad = {};
  bad.geometry.dilation_h = 0;
  CHECK_THROWS_AS(BinaryConv2dAccumulate(ok, RandomBipolar({1, 2, 1, 1}, 2), {}, bad, nullptr),
                  quasar::InputError);
  bad = {};
  bad.accumulator.bits = 4;
  CHECK_THROWS_AS(BinaryConv2dAccumulate(ok, RandomBipolar({1, 2, 1, 1}, 2), {}, bad, nullptr),
                  quasar::InputError);
}

TEST_CASE("binary layer folds a per-channel scale into the output stage") {
  LayerSpec spec;
  spec.op = LayerOp::kBinaryConv2d;
  spec.input = {IntType::Binary(), {1.0f}, {0}};
  // XNOR-Net: W ~ alpha * sign(W), alpha per output channel becomes the weight scale.
  spec.weights = {IntType::Binary(), {0.5f, 0.25f}, {0}};
  spec.output = {IntType::Signed(8), {0.25f}, {0}};
  spec.rounding = RoundingMode::kOnnx;
  LayerInputs in;
  in.x = RandomBipolar({1, 3, 4, 4}, 5);
  in.weights = RandomBipolar({2, 3, 3, 3}, 6);
  const LayerResult r = RunLayer(spec, in);
  // Output = round(acc * alpha / 0.25): channel 0 doubles the integer sum, channel 1 keeps it.
  BinaryConvParams bp;
  const Tensor<int64_t> acc = BinaryConv2dAccumulate(in.x, *in.weights, {}, bp, nullptr);
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t expected = (i / 4) == 0 ? 2 * acc[i] : acc[i];
    CHECK(r.output[i] == expected);
  }
}

TEST_CASE("ternary weights run on the generic kernel and reject out-of-range values") {
  LayerSpec spec;
  spec.op = LayerOp::kConv2d;
  spec.input = {IntType::Signed(4), {0.1f}, {0}};
  spec.weights = {IntType::Ternary(), {0.3f}, {0}};
  spec.output = {IntType::Signed(8), {0.05f}, {0}};
  LayerInputs in;
  in.x = quasar::test::RandomInts({1, 3, 5, 5}, -8, 7, 9);
  in.weights = quasar::test::RandomInts({4, 3, 3, 3}, -1, 1, 10);
  const LayerResult r = RunLayer(spec, in);
  CHECK(r.output.shape == Shape{1, 4, 3, 3});
  CHECK(r.width->textbook_bits == 4 + 2 + 5);
  (*in.weights)[3] = 2;
  CHECK_THROWS_AS(RunLayer(spec, in), quasar::InputError);
}
