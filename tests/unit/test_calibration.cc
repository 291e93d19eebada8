// Calibration ranges (minmax, percentile, mse, kl), affine parameters and the Observer:
// exact values on hand inputs, and the properties each method promises on seeded random data.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "calib_test_util.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/error.h"
#include "quasar/models/rounding.h"

using namespace quasar::models;
using Catch::Matchers::Contains;

using namespace quasar::test;

namespace {

// Mean squared error of quantizing `v` on the grid AffineParams gives `r` (round half away).
double QuantMse(const std::vector<float>& v, Range r, const IntType& type, bool symmetric) {
  const QuantParams qp = AffineParams({r}, type, symmetric);
  const QLimits lim = GridLimits(type, symmetric);
  const double s = qp.scales[0], z = qp.zero_points[0];
  double sum = 0;
  for (float x : v) {
    const double q = std::clamp(RoundHalfAwayFromZero(x / s) + z, double(lim.lo), double(lim.hi));
    sum += (x - s * (q - z)) * (x - s * (q - z));
  }
  return sum / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("calibration method names round-trip") {
  for (CalibMethod m :
       {CalibMethod::kMinMax, CalibMethod::kPercentile, CalibMethod::kMse, CalibMethod::kKl}) {
    CHECK(ParseCalibMethod(CalibMethodName(m)) == m);
  }
  CHECK(CalibMethodName(CalibMethod::kKl) == "kl");
  CHECK_FALSE(ParseCalibMethod("entropy").has_value());
  CHECK(std::string(CalibMethodChoices()) == "minmax, percentile, mse, kl");
}

TEST_CASE("grid limits: symmetric signed grids are narrow") {
  CHECK(SymmetricQmax(IntType::Signed(8)) == 127);
  CHECK(SymmetricQmax(IntType::Unsigned(8)) == 255);
  CHECK(GridLimits(IntType::Signed(8), true).lo == -127);
  CHECK(GridLimits(IntType::Signed(8), false).lo == -128);
  CHECK(GridLimits(IntType::Signed(4), true).hi == 7);
  CHECK(GridLimits(IntType::Unsigned(4), true).lo == 0);
  CHECK(KlNumLevels(IntType::Signed(8)) == 128);
  CHECK(KlNumLevels(IntType::Unsigned(8)) == 256);
  CHECK(KlNumLevels(IntType::Signed(4)) == 8);
}

TEST_CASE("minmax ranges are exact on hand values") {
  const CalibOptions mm = Method(CalibMethod::kMinMax);
  const IntType i8 = IntType::Signed(8);
  Range r = ChooseRange({-1.5f, 0.25f, 3.0f, -0.5f}, i8, false, mm);
  CHECK(r.lo == -1.5);
  CHECK(r.hi == 3.0);
  r = ChooseRange({-1.5f, 0.25f, 3.0f, -0.5f}, i8, true, mm);
  CHECK(r.lo == -3.0);
  CHECK(r.hi == 3.0);
  r = ChooseRange({0.5f, 2.0f}, i8, false, mm);  // widened to include 0
  CHECK(r.lo == 0.0);
  CHECK(r.hi == 2.0);
  r = ChooseRange({-2.0f, -1.0f}, i8, false, mm);
  CHECK(r.lo == -2.0);
  CHECK(r.hi == 0.0);
  r = ChooseRange({-5.0f, 2.0f}, IntType::Unsigned(8), true, mm);  // [0, T] from max(x, 0)
  CHECK(r.lo == 0.0);
  CHECK(r.hi == 2.0);
  for (CalibMethod m :
       {CalibMethod::kMinMax, CalibMethod::kPercentile, CalibMethod::kMse, CalibMethod::kKl}) {
    for (bool sym : {true, false}) {
      CHECK(ChooseRange({}, i8, sym, Method(m)).hi == 0.0);
      const Range z = ChooseRange({0.0f, 0.0f, -0.0f}, i8, sym, Method(m));
      CHECK(z.lo == 0.0);
      CHECK(z.hi == 0.0);
    }
  }
}

TEST_CASE("percentile interpolates linearly between order statistics") {
  CalibOptions opt = Method(CalibMethod::kPercentile);
  opt.percentile = 99.9;
  std::vector<float> v;
  for (int k = 1; k <= 1000; ++k) {
    v.push_back(static_cast<float>(k % 2 ? k : -k));  // |x| = 1..1000
  }
  // Position 0.999 * 999 = 998.001 of the sorted |x|: 999 + 0.001 * (1000 - 999).
  CHECK(ChooseRange(v, IntType::Signed(8), true, opt).hi == Approx(999.001).epsilon(1e-12));
  // Asymmetric on -500..499, p = 99: hi at position 989.01 -> 489.01, lo at 9.99 -> -490.01.
  std::vector<float> w;
  for (int k = 0; k < 1000; ++k) {
    w.push_back(static_cast<float>(k - 500));
  }
  opt.percentile = 99.0;
  Range r = ChooseRange(w, IntType::Signed(8), false, opt);
  CHECK(r.hi == Approx(489.01).epsilon(1e-12));
  CHECK(r.lo == Approx(-490.01).epsilon(1e-12));
  // All positive: the low percentile (10.9) is widened to 0.
  opt.percentile = 90.0;
  r = ChooseRange({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
                  IntType::Unsigned(8), false, opt);
  CHECK(r.lo == 0.0);
  CHECK(r.hi == Approx(18.1).epsilon(1e-12));  // position 0.9 * 19 = 17.1
  opt.percentile = 100.0;
  CHECK(ChooseRange(w, IntType::Signed(8), true, opt).hi == 500.0);
}

TEST_CASE("mse clips heavy tails and beats minmax at 4 bits, keeps ~max on uniform data") {
  const std::vector<float> lap = Laplace(50000, 7);
  const IntType i4 = IntType::Signed(4);
  for (bool sym : {true, false}) {
    INFO("symmetric " << sym);
    const Range mse = ChooseRange(lap, i4, sym, Method(CalibMethod::kMse));
    const Range mm = ChooseRange(lap, i4, sym, Method(CalibMethod::kMinMax));
    CHECK(mse.hi < 0.6 * mm.hi);  // a Laplace sample of 50000 reaches ~10; 4-bit optimum ~3
    CHECK(mse.lo > 0.6 * mm.lo);
    CHECK(mse.lo <= 0.0);
    CHECK(QuantMse(lap, mse, i4, sym) < 0.5 * QuantMse(lap, mm, i4, sym));
  }
  // ReLU output on an unsigned grid, asymmetric: only the top is clipped.
  std::vector<float> relu = lap;
  for (float& x : relu) {
    x = std::max(x, 0.0f);
  }
  const Range r = ChooseRange(relu, IntType::Unsigned(4), false, Method(CalibMethod::kMse));
  CHECK(r.lo == 0.0);
  CHECK(r.hi < ChooseRange(relu, IntType::Unsigned(4), false, Method(CalibMethod::kMinMax)).hi);
  // Uniform data at 8 bits: clipping never pays, the threshold stays at the maximum.
  std::mt19937_64 rng(3);
  std::vector<float> uni(50000);
  for (float& x : uni) {
    x = static_cast<float>(2 * Uniform01(rng) - 1);
  }
  const double amax = ChooseRange(uni, IntType::Signed(8), true, Method(CalibMethod::kMinMax)).hi;
  const double t = ChooseRange(uni, IntType::Signed(8), true, Method(CalibMethod::kMse)).hi;
  CHECK(t <= amax);
  CHECK(t >= 0.98 * amax);
}

TEST_CASE("mse search on a hand histogram: bin centres, step T / qmax, smallest T on ties") {
  // int2 symmetric: grid {-T, 0, T}. 4 bins over [0, 4], centres 0.5 .. 3.5; 1.0 falls in bin 1
  // (centre 1.5), 4.0 in bin 3 (centre 3.5). Squared errors per candidate T = 1, 2, 3, 4:
  //   one value 4.0:          6.25, 2.25, 0.25, 0.25 -> tie, the smaller T = 3 wins;
  //   ten 1.0 and one 4.0:    8.75, 4.75, 22.75, 22.75 -> T = 2 (1.5 / 3 = 0.5 rounds away to 1).
  CalibOptions mse = Method(CalibMethod::kMse);
  mse.histogram_bins = 4;
  CHECK(ChooseRange({4.0f}, IntType::Signed(2), true, mse).hi == 3.0);
  std::vector<float> v(10, 1.0f);
  v.push_back(-4.0f);
  CHECK(ChooseRange(v, IntType::Signed(2), true, mse).hi == 2.0);
  // uint2 asymmetric, 4 bins over [-1, 7] (centres 0, 2, 4, 6): -1 -> centre 0, ten 1.0 ->
  // centre 2, 7 -> centre 6. alpha = 0.75 gives [-0.75, 5.25], scale 6 / 3 = 2, z = round(0.375)
  // = 0, grid {0, 2, 4, 6}: every centre exact, error 0 (alpha = 1 misses 2, 0.5 clips 6).
  std::vector<float> a(10, 1.0f);
  a.push_back(-1.0f);
  a.push_back(7.0f);
  const Range r = ChooseRange(a, IntType::Unsigned(2), false, mse);
  CHECK(r.lo == -0.75);
  CHECK(r.hi == 5.25);
}

TEST_CASE("KlThresholdBins matches a transcription of MXNet's loop on hand histograms") {
  // Expected values from a plain-Python transcription of MXNet _get_optimal_threshold's merge,
  // expansion, _smooth_distribution and scipy.stats.entropy, one-sided as TensorRT.
  std::vector<double> h(40, 0.0);
  for (int k = 0; k < 30; ++k) {
    h[static_cast<size_t>(k)] = k % 7 == 3 ? 0.0 : (k * 37) % 11;
  }
  h[37] = 2;
  h[39] = 1;
  CHECK(KlThresholdBins(h, 8) == 38);
  CHECK(KlThresholdBins(h, 4) == 40);
  CHECK(KlThresholdBins(h, 16) == 40);
  std::vector<double> h2(64);
  for (int k = 0; k < 64; ++k) {
    h2[static_cast<size_t>(k)] = std::max(0, 200 - k * k);
  }
  h2[63] += 5;
  CHECK(KlThresholdBins(h2, 8) == 16);
  CHECK(KlThresholdBins(h2, 16) == 64);
  // Sensitive to the smoothing: with eps = 1e-3 instead of MXNet's 1e-4 the answer is 15.
  std::vector<double> h4(64, 0.0);
  for (int k = 0; k < 5; ++k) {
    h4[static_cast<size_t>(k)] = 50 + 10 * k;
  }
  h4[63] = 1;
  CHECK(KlThresholdBins(h4, 8) == 64);
  // Mass only in the first num_levels bins: P = Q there, KL = 0, the first minimum wins.
  std::vector<double> h3(32, 0.0);
  for (int k = 0; k < 8; ++k) {
    h3[static_cast<size_t>(k)] = 1 + k;
  }
  CHECK(KlThresholdBins(h3, 8) == 8);
  CHECK(KlThresholdBins(std::vector<double>(5, 1.0), 8) == 5);  // fewer bins than levels
}

TEST_CASE("kl threshold is (i + 0.5) bin widths, capped at max|x|, zeros are left out") {
  // Values whose 40-bin histogram over [0, 40] is the hand histogram above (one value per count
  // at the bin centre, the maximum 40 in bin 39): KlThresholdBins gives 38 for 8 levels (int4)
  // and 40 for 4 (int3) and 16 (int5).
  std::vector<float> v;
  for (int k = 0; k < 30; ++k) {
    for (int n = 0; n < (k % 7 == 3 ? 0 : (k * 37) % 11); ++n) {
      v.push_back(static_cast<float>(n % 2 ? k + 0.5 : -(k + 0.5)));
    }
  }
  v.insert(v.end(), {37.5f, -37.5f, 40.0f});
  CalibOptions kl = Method(CalibMethod::kKl);
  kl.histogram_bins = 40;
  kl.kl_min_values_per_bin = 0;  // exactly 40 bins, as TensorRT keeps its 2048
  CHECK(ChooseRange(v, IntType::Signed(4), true, kl).hi == 38.5);
  CHECK(ChooseRange(v, IntType::Signed(3), true, kl).hi == 40.0);  // 40.5 capped at max|x|
  CHECK(ChooseRange(v, IntType::Signed(5), true, kl).hi == 40.0);
  const Range a = ChooseRange(v, IntType::Signed(4), false, kl);
  CHECK(a.lo == -37.5);  // max(min, -T): min = -37.5 is inside
  CHECK(a.hi == 38.5);
  const std::vector<float> without_zeros = v;
  v.insert(v.end(), 1000, 0.0f);
  CHECK(ChooseRange(v, IntType::Signed(4), true, kl).hi == 38.5);
  const CalibOptions mse = Method(CalibMethod::kMse);
  CHECK(ChooseRange(v, IntType::Signed(4), true, mse).hi ==
        ChooseRange(without_zeros, IntType::Signed(4), true, mse).hi);
}

TEST_CASE("kl clips outliers of a Gaussian, deterministically") {
  std::vector<float> v = Gaussian(100000, 11);
  for (int k = 0; k < 10; ++k) {
    v.push_back(k % 2 ? 40.0f : -40.0f);
  }
  const CalibOptions kl = Method(CalibMethod::kKl);
  const Range r = ChooseRange(v, IntType::Signed(8), true, kl);
  CHECK(r.hi < 10.0);  // well below max|x| = 40
  CHECK(r.hi > 3.0);   // but keeps the body (at least 128.5 bins = 2.5 is forced anyway)
  CHECK(r.lo == -r.hi);
  const Range again = ChooseRange(v, IntType::Signed(8), true, kl);
  CHECK(again.hi == r.hi);
  // Asymmetric on the ReLU of the same data: [0, T'] with T' well below 40.
  for (float& x : v) {
    x = std::max(x, 0.0f);
  }
  const Range a = ChooseRange(v, IntType::Unsigned(8), false, kl);
  CHECK(a.lo == 0.0);
  CHECK(a.hi < 10.0);
}

TEST_CASE("kl never keeps fewer than num_levels bins (128 for int8, 256 for uint8)") {
  std::mt19937_64 rng(5);
  std::vector<float> v(10000);
  for (float& x : v) {
    x = static_cast<float>(0.01 * Uniform01(rng));  // all in the first ~21 of 2048 bins
  }
  v.push_back(1.0f);  // max|x| = 1, bin width 1/2048
  CalibOptions kl = Method(CalibMethod::kKl);
  kl.kl_min_values_per_bin = 0;  // exactly 2048 bins
  const double t8 = ChooseRange(v, IntType::Signed(8), true, kl).hi;
  CHECK(t8 >= 128.5 / 2048 - 1e-12);
  CHECK(t8 < 256.5 / 2048);  // a search from 256 bins (uint8's levels) could not give this
  const double tu8 = ChooseRange(v, IntType::Unsigned(8), true, kl).hi;
  CHECK(tu8 >= 256.5 / 2048 - 1e-12);
}

TEST_CASE("kl on a handful of values keeps a sensible threshold (fewer, fuller bins)") {
  // 40 values, as ten logits over four calibration samples: 2048 bins hold isolated spikes.
  std::vector<float> v = Gaussian(40, 3);
  double amax = 0;
  for (float x : v) {
    amax = std::max(amax, static_cast<double>(std::abs(x)));
  }
  CalibOptions exact = Method(CalibMethod::kKl);
  exact.kl_min_values_per_bin = 0;
  const CalibOptions adaptive = Method(CalibMethod::kKl);  // 2 * 8 = 16 bins for int4
  const double t_exact = ChooseRange(v, IntType::Signed(4), true, exact).hi;
  const double t_adaptive = ChooseRange(v, IntType::Signed(4), true, adaptive).hi;
  INFO("max " << amax << ", 2048-bin T " << t_exact << ", adaptive T " << t_adaptive);
  CHECK(t_adaptive >= 8.5 / 16 * amax - 1e-9);  // at least num_levels + 0.5 of 16 bins
  CHECK(t_exact < 0.25 * amax);                 // the degenerate spike histogram
  // With plentiful data the rule changes nothing: 2048 bins either way.
  const std::vector<float> many = Gaussian(100000, 4);
  CHECK(ChooseRange(many, IntType::Signed(8), true, exact).hi ==
        ChooseRange(many, IntType::Signed(8), true, adaptive).hi);
}

TEST_CASE("kl on one-sided data searches the whole asymmetric grid") {
  // ReLU-shaped data on a signed asymmetric int4 grid: all 16 levels cover [0, T], so the search
  // is the one of an unsigned 4-bit grid (16 levels), not of one side of a signed one (8).
  std::vector<float> v = Laplace(50000, 9);
  for (float& x : v) {
    x = std::max(x, 0.0f);
  }
  const CalibOptions kl = Method(CalibMethod::kKl);
  const Range asym = ChooseRange(v, IntType::Signed(4), false, kl);
  CHECK(asym.lo == 0.0);
  CHECK(asym.hi == ChooseRange(v, IntType::Unsigned(4), true, kl).hi);
  CHECK(asym.hi != ChooseRange(v, IntType::Signed(4), true, kl).hi);
}

TEST_CASE("AffineParams maps lo and hi to qmin and qmax, 0 exactly to z") {
  QuantParams qp = AffineParams({{-1.0, 3.0}}, IntType::Unsigned(8), false);
  CHECK(qp.scales[0] == static_cast<float>(4.0 / 255));
  CHECK(qp.zero_points[0] == 64);  // round(0 + 1 / (4/255)) = round(63.75)
  qp = AffineParams({{-2.0, 2.0}}, IntType::Signed(8), true);
  CHECK(qp.scales[0] == static_cast<float>(2.0 / 127));
  CHECK(qp.zero_points[0] == 0);
  qp = AffineParams({{0.0, 5.1}}, IntType::Unsigned(8), true);
  CHECK(qp.scales[0] == static_cast<float>(5.1 / 255));
  qp = AffineParams({{0.0, 0.0}, {-1.0, 1.0}}, IntType::Signed(8), false);  // per channel
  REQUIRE(qp.scales.size() == 2);
  CHECK(qp.scales[0] == 1.0f);
  CHECK(qp.zero_points[0] == -128);
  CHECK(qp.scales[1] == static_cast<float>(2.0 / 255));
  CHECK(AffineParams({{-1e-45, 0.0}}, IntType::Signed(8), true).scales[0] > 0);
  std::mt19937_64 rng(9);
  for (const IntType& t : {IntType::Signed(8), IntType::Unsigned(8), IntType::Signed(4),
                           IntType::Unsigned(2), IntType::Signed(16)}) {
    for (int k = 0; k < 200; ++k) {
      const Range r{-10 * Uniform01(rng), 10 * Uniform01(rng)};
      const QuantParams p = AffineParams({r}, t, false);
      const double s = p.scales[0], z = p.zero_points[0];
      INFO(t.Name() << " [" << r.lo << ", " << r.hi << "]");
      CHECK(std::abs(r.lo / s + z - double(t.min())) <= 0.5 + 1e-6);
      CHECK(std::abs(r.hi / s + z - double(t.max())) <= 0.5 + 1e-6);
      CHECK(t.Contains(p.zero_points[0]));
    }
  }
}

TEST_CASE("AffineParams and ChooseRange reject bad input with InputError") {
  const IntType i8 = IntType::Signed(8);
  CHECK_THROWS_AS(AffineParams({}, i8, true), quasar::InputError);
  CHECK_THROWS_WITH(AffineParams({{0.5, 1.0}}, i8, false), Contains("[0.5, 1]"));
  CHECK_THROWS_AS(AffineParams({{-1e300, 1e300}}, i8, false), quasar::InputError);
  CHECK_THROWS_AS(AffineParams({{-NAN, 1.0}}, i8, false), quasar::InputError);
  CHECK_THROWS_WITH(AffineParams({{-1, 1}}, IntType::Binary(), true), Contains("binary"));
  CHECK_THROWS_WITH(AffineParams({{-1, 1}}, IntType::Signed(32), true), Contains("int32"));
  CHECK_THROWS_WITH(AffineParams({{-1, 1}}, IntType::Signed(1), true), Contains("int1"));
  CHECK_NOTHROW(AffineParams({{-1, 1}}, IntType::Signed(1), false));
  CHECK_THROWS_WITH(ChooseRange({1.0f, INFINITY}, i8, true, {}), Contains("value 1"));
  CalibOptions opt = Method(CalibMethod::kPercentile);
  opt.percentile = 0;
  CHECK_THROWS_WITH(ChooseRange({1.0f}, i8, true, opt), Contains("got 0"));
  opt.percentile = 101;
  CHECK_THROWS_AS(ChooseRange({1.0f}, i8, true, opt), quasar::InputError);
  opt = Method(CalibMethod::kKl);
  opt.histogram_bins = 0;
  CHECK_THROWS_WITH(ChooseRange({1.0f}, i8, true, opt), Contains("histogram_bins"));
}
