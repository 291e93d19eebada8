// The calibration Observer: exact per-channel extremes, shape checks, deterministic bounded
// subsampling, and agreement with ChooseRange when nothing is subsampled.

#include <catch2/catch.hpp>
#include <vector>

#include "calib_test_util.h"
#include "quasar/models/calib/calibration.h"
#include "quasar/models/error.h"

using namespace quasar::models;
using namespace quasar::test;
using Catch::Matchers::Contains;

TEST_CASE("per-channel observer: exact min/max per channel, different ranges") {
  Observer obs(true, 1);  // NCHW, channel axis 1
  FloatTensor t({2, 3, 2, 2});
  for (int64_t i = 0; i < t.size(); ++i) {
    const int64_t c = (i / 4) % 3;
    t[i] = static_cast<float>((c + 1) * ((i % 4) - 1.5));  // channel c spans +-1.5 (c + 1)
  }
  obs.Observe(t);
  REQUIRE(obs.channels() == 3);
  const std::vector<Range> r = obs.Ranges(IntType::Signed(8), false, {});
  REQUIRE(r.size() == 3);
  for (int c = 0; c < 3; ++c) {
    CHECK(r[static_cast<size_t>(c)].lo == -1.5 * (c + 1));
    CHECK(r[static_cast<size_t>(c)].hi == 1.5 * (c + 1));
    CHECK(obs.MeanAbs(c) == Approx(1.0 * (c + 1)));  // |-1.5|,|-0.5|,|0.5|,|1.5| -> mean 1
    CHECK(obs.Count(c) == 8);
  }
  Observer whole(false, 1);
  whole.Observe(t);
  CHECK(whole.channels() == 1);
  CHECK(whole.Ranges(IntType::Signed(8), true, {})[0].hi == 4.5);
}

TEST_CASE("observer rejects changed shapes and bad values with InputError") {
  Observer obs(true, 1);
  CHECK_THROWS_AS(obs.Ranges(IntType::Signed(8), true, {}), quasar::InputError);
  obs.Observe(FloatTensor({1, 3, 4, 4}, 1.0f));
  obs.Observe(FloatTensor({2, 3, 4, 4}, 1.0f));  // the batch may change
  CHECK_THROWS_WITH(obs.Observe(FloatTensor({1, 3, 5, 4})), Contains("[1, 3, 5, 4]"));
  CHECK_THROWS_WITH(obs.Observe(FloatTensor({1, 4, 4, 4})), Contains("[1, 3, 4, 4]"));
  CHECK_THROWS_AS(obs.Observe(FloatTensor({3, 4, 4})), quasar::InputError);
  FloatTensor bad({1, 3, 4, 4}, 1.0f);
  bad[7] = NAN;
  CHECK_THROWS_WITH(obs.Observe(bad), Contains("value 7"));
  CHECK(obs.Count(0) == 48);  // unchanged by the rejected samples
  Observer weights(true, 0);
  weights.Observe(FloatTensor({8, 3}));
  CHECK_THROWS_AS(weights.Observe(FloatTensor({4, 3})), quasar::InputError);  // axis 0 = channels
  Observer deep(true, 4);
  CHECK_THROWS_WITH(deep.Observe(FloatTensor({1, 3, 4, 4})), Contains("channel axis 4"));
  CHECK_THROWS_AS(Observer(false, 0, 0), quasar::InputError);
  CHECK_THROWS_AS(Observer(true, -1), quasar::InputError);
}

TEST_CASE("observer subsampling is deterministic, bounded and independent of batching") {
  std::vector<float> v(1000);
  for (size_t k = 0; k < v.size(); ++k) {
    v[k] = static_cast<float>(k);
  }
  Observer one(false, 0, 100);
  one.Observe(FloatTensor({1000}, v));
  // Stride 8 would keep 125 > 100 values, so it is 16: positions 0, 16, ..., 992.
  CHECK(one.Stride(0) == 16);
  REQUIRE(one.KeptValues(0).size() == 63);
  for (size_t m = 0; m < 63; ++m) {
    CHECK(one.KeptValues(0)[m] == 16.0f * m);
  }
  CHECK(one.Max(0) == 999.0);  // exact, though 999 is not kept
  CHECK(one.MeanAbs(0) == 499.5);
  Observer split(false, 0, 100);
  for (size_t begin = 0; begin < 1000; begin += 300) {
    const size_t end = std::min<size_t>(begin + 300, 1000);
    split.Observe(FloatTensor({static_cast<int64_t>(end - begin)},
                              std::vector<float>(v.begin() + begin, v.begin() + end)));
    CHECK(split.KeptValues(0).size() <= 100);
  }
  CHECK(split.KeptValues(0) == one.KeptValues(0));
  // Without subsampling the observer's ranges equal ChooseRange on all values.
  const std::vector<float> g = Gaussian(5000, 2);
  Observer all(false, 0);
  all.Observe(FloatTensor({5000}, g));
  for (CalibMethod m : {CalibMethod::kPercentile, CalibMethod::kMse, CalibMethod::kKl}) {
    const Range a = all.Ranges(IntType::Signed(8), false, Method(m))[0];
    const Range b = ChooseRange(g, IntType::Signed(8), false, Method(m));
    CHECK(a.lo == b.lo);
    CHECK(a.hi == b.hi);
  }
}
