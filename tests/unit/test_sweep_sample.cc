// Sampled sweeps (sweep_sample.h): the points a seed draws, the properties of each method, and
// the sweep file's `sample:` key.

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "quasar/report/sweep.h"
#include "quasar/sim/explore/sweep.h"
#include "quasar/sim/explore/sweep_sample.h"
#include "sweep_test_util.h"

using namespace quasar::sim::explore;
using quasar::test::ErrorOf;
using quasar::test::Parse;

namespace {

SweepSample Sample(SampleMethod m, int64_t count, uint64_t seed) {
  SweepSample s;
  s.method = m;
  s.count = count;
  s.seed = seed;
  return s;
}

void RequireInRangeAndOrdered(const std::vector<std::vector<size_t>>& points,
                              const std::vector<size_t>& sizes) {
  for (size_t j = 0; j < points.size(); ++j) {
    REQUIRE(points[j].size() == sizes.size());
    for (size_t a = 0; a < sizes.size(); ++a) {
      REQUIRE(points[j][a] < sizes[a]);
    }
    if (j > 0) {
      REQUIRE(points[j - 1] < points[j]);  // distinct, in the enumeration's order
    }
  }
}

}  // namespace

TEST_CASE("A seed always draws the same points, another seed others", "[sweep][sample]") {
  const std::vector<size_t> sizes = {8, 8, 4, 16};
  for (SampleMethod m : {SampleMethod::kRandom, SampleMethod::kLatinHypercube}) {
    const auto a = DrawSample(Sample(m, 50, 7), sizes);
    REQUIRE(a == DrawSample(Sample(m, 50, 7), sizes));
    REQUIRE(a != DrawSample(Sample(m, 50, 8), sizes));
    RequireInRangeAndOrdered(a, sizes);
  }
}

TEST_CASE("random draws exactly count distinct points", "[sweep][sample]") {
  const std::vector<size_t> sizes = {5, 3, 7};  // 105 points
  for (int64_t count : {1, 10, 104, 105}) {
    const auto p = DrawSample(Sample(SampleMethod::kRandom, count, 3), sizes);
    REQUIRE(p.size() == static_cast<size_t>(count));
    RequireInRangeAndOrdered(p, sizes);
  }
  // The whole space: every point once.
  const auto all = DrawSample(Sample(SampleMethod::kRandom, 105, 3), sizes);
  REQUIRE(std::set<std::vector<size_t>>(all.begin(), all.end()).size() == 105);
}

TEST_CASE("random picks every point about equally often", "[sweep][sample]") {
  // 4000 seeds, one point of 10 each: every point's count is 400 in expectation, standard
  // deviation sqrt(4000 * 0.1 * 0.9) = 19; a bias of a quarter would put one outside 300..500.
  const std::vector<size_t> sizes = {2, 5};
  std::map<std::vector<size_t>, int> hits;
  for (uint64_t seed = 0; seed < 4000; ++seed) {
    ++hits[DrawSample(Sample(SampleMethod::kRandom, 1, seed), sizes).at(0)];
  }
  REQUIRE(hits.size() == 10);
  for (const auto& [point, n] : hits) {
    CHECK(n > 300);
    CHECK(n < 500);
  }
}

TEST_CASE("random samples a space past 2^64 points", "[sweep][sample]") {
  const std::vector<size_t> sizes(30, 10);  // 10^30 points
  const auto p = DrawSample(Sample(SampleMethod::kRandom, 200, 11), sizes);
  REQUIRE(p.size() == 200);
  RequireInRangeAndOrdered(p, sizes);
}

TEST_CASE("lhs puts one point in each stratum of every axis", "[sweep][sample]") {
  // Axis 0 has as many values as points: each value exactly once (so no two points coincide).
  // Axis 1 has 8 values, 4 strata each: each value exactly 4 times. Axis 2 has 3 values, which
  // do not divide 32 strata: each value gets the 10 strata wholly inside its third of [0, 1),
  // plus any of the two strata straddling a boundary (10..12 times).
  const std::vector<size_t> sizes = {32, 8, 3};
  for (uint64_t seed : {1, 2, 3}) {
    const auto p = DrawSample(Sample(SampleMethod::kLatinHypercube, 32, seed), sizes);
    REQUIRE(p.size() == 32);
    RequireInRangeAndOrdered(p, sizes);
    std::vector<int> axis0(32), axis1(8), axis2(3);
    for (const auto& point : p) {
      ++axis0[point[0]];
      ++axis1[point[1]];
      ++axis2[point[2]];
    }
    for (int n : axis0) {
      REQUIRE(n == 1);
    }
    for (int n : axis1) {
      REQUIRE(n == 4);
    }
    for (int n : axis2) {
      REQUIRE((n >= 10 && n <= 12));
    }
  }
}

TEST_CASE("lhs keeps coinciding points once", "[sweep][sample]") {
  // 2 x 2 points and 16 strata: at most the 4 distinct points remain.
  const auto p = DrawSample(Sample(SampleMethod::kLatinHypercube, 16, 5), {2, 2});
  REQUIRE(p.size() <= 4);
  RequireInRangeAndOrdered(p, {2, 2});
}

namespace {

const std::string kSampled = R"(version: 1
base: edge_32x32_os
networks: [lenet5, bnn_cifar10]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [4, 8, 16, 32, 64]
  array.cols: [4, 8, 16, 32, 64]
  array.dataflow: [os, ws, is]
)";

}  // namespace

TEST_CASE("A sweep file's sample: the configurations are networks x precisions x points",
          "[sweep][sample]") {
  const SweepSpec s = Parse(kSampled + "sample: {method: random, count: 10, seed: 4}\n");
  REQUIRE(s.sample);
  REQUIRE(s.points.size() == 10);
  REQUIRE(s.points == DrawSample(*s.sample, {5, 5, 3}));
  REQUIRE(s.ConfigCount() == 2 * 2 * 10);
  // The point runs fastest, then the precision, then the network, as the axes do when
  // enumerated.
  for (size_t i = 0; i < s.ConfigCount(); ++i) {
    const SweepConfig c = ConfigAt(s, i);
    REQUIRE(c.value == s.points[i % 10]);
    REQUIRE(c.precision == (i / 10) % 2);
    REQUIRE(c.network == i / 20);
  }
  // The fingerprint of shards tells samples apart.
  const SweepSpec other = Parse(kSampled + "sample: {method: random, count: 10, seed: 5}\n");
  REQUIRE(quasar::report::SweepFingerprint(s) != quasar::report::SweepFingerprint(other));
  REQUIRE(quasar::report::SweepFingerprint(s) ==
          quasar::report::SweepFingerprint(
              Parse(kSampled + "sample: {method: random, count: 10, seed: 4}\n")));
}

TEST_CASE("A sweep file's bad sample is named with its key and value", "[sweep][sample]") {
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: sobol, count: 10, seed: 1}\n"),
             Catch::Contains("sample.method: must be random or lhs, got 'sobol'"));
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: lhs, count: 0, seed: 1}\n"),
             Catch::Contains("sample.count: must be in 1..10000000, got 0"));
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: lhs, count: 5, seed: -1}\n"),
             Catch::Contains("sample.seed: must be an integer >= 0, got -1"));
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: random, count: 76, seed: 1}\n"),
             Catch::Contains("sample.count: exceeds the 75 points of the swept fields"));
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: random, count: 5}\n"),
             Catch::Contains("sample.seed"));
  CHECK_THAT(ErrorOf(kSampled + "sample: {method: random, count: 5, seed: 1, size: 3}\n"),
             Catch::Contains("sample.size"));
  CHECK_THAT(ErrorOf("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n"
                     "sample: {method: random, count: 1, seed: 1}\n"),
             Catch::Contains("sample: needs swept fields"));
  // lhs may ask for more strata than points: coinciding points are kept once.
  CHECK(ErrorOf(kSampled + "sample: {method: lhs, count: 500, seed: 1}\n").empty());
}
