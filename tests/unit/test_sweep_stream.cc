// Sweeps that do not hold their rows (sim/explore): the incremental Pareto front equals the
// whole-set one in any order of arrival, SweepFronts gives MarkFront's marks, a sweep run
// without keeping its rows hands out the same rows in the same order through its bounded
// window, and the rows of a sampled sweep's CSV read back at their configurations.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "quasar/report/sweep.h"
#include "quasar/sim/explore/pareto.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar;
using namespace quasar::sim::explore;

TEST_CASE("The incremental front keeps what ParetoFront marks, whatever the order of arrival",
          "[sweep][pareto]") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const size_t n = 1 + rng() % 300;
    const size_t d = 2 + trial % 3;
    const int levels = 2 + trial % 9;  // few levels: many ties and duplicates
    std::vector<std::vector<double>> points(n, std::vector<double>(d));
    for (auto& p : points) {
      for (double& v : p) {
        v = static_cast<double>(rng() % levels);
      }
      if (rng() % 25 == 0) {
        p[rng() % d] = std::nan("");
      }
    }
    const std::vector<bool> expected = ParetoFront(points);
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::shuffle(order.begin(), order.end(), rng);
    IncrementalFront<size_t> front;
    for (size_t i : order) {
      front.Add(points[i], i);
    }
    std::vector<bool> got(n, false);
    for (const auto& m : front.members()) {
      CHECK_FALSE(got[m.payload]);  // each point at most once
      got[m.payload] = true;
    }
    CHECK(got == expected);
  }
}

namespace {

// LeNet-5 at 1,201 clocks x 2 dataflows: 2,402 configurations, more than the sweep's window.
const char* kLong =
    "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5, bnn_cifar10]\n"
    "sweep:\n  clock_mhz: {from: 100, to: 1300, step: 1}\n  array.dataflow: [os, ws]\n";

}  // namespace

TEST_CASE("A sweep that keeps no rows hands out the same rows in order through its window",
          "[sweep]") {
  const SweepSpec s = quasar::test::Parse(kLong);
  REQUIRE(s.ConfigCount() == 4804);
  SweepOptions kept;
  kept.jobs = 2;
  const SweepResult whole = RunSweep(s, kept);
  REQUIRE(whole.rows.size() == 4804);

  SweepOptions streamed;
  streamed.jobs = 2;
  streamed.keep_rows = false;
  std::vector<std::string> lines;
  SweepFronts fronts(s);
  streamed.on_row = [&](const SweepRow& r) {
    lines.push_back(report::SweepCsvLine(s, r, std::nullopt, std::nullopt));
    fronts.Add(r);
  };
  const SweepResult r = RunSweep(s, streamed);
  CHECK(r.rows.empty());
  CHECK(r.evaluated == 4804);
  REQUIRE(lines.size() == whole.rows.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    REQUIRE(lines[i] == report::SweepCsvLine(s, whole.rows[i], std::nullopt, std::nullopt));
  }
  // The fronts fed one row at a time mark what MarkFront marks, and print the same table.
  const SweepMarks m = MarkFront(s, whole.rows);
  const std::vector<bool> candidate = m.within_constraints;
  const std::vector<bool> batch = ParetoMarks(whole.rows, candidate, FrontObjectiveOf(s));
  size_t on_front = 0;
  for (size_t i = 0; i < whole.rows.size(); ++i) {
    REQUIRE(fronts.OnFront(whole.rows[i].index) == batch[i]);
    REQUIRE(m.pareto[i] == batch[i]);
    on_front += batch[i] ? 1 : 0;
  }
  CHECK(on_front >= 2);
  CHECK(report::FrontTable(s, fronts) == report::FrontTable(s, whole.rows));
  CHECK(fronts.Of(0).feasible + fronts.Of(1).feasible ==
        static_cast<size_t>(std::count_if(whole.rows.begin(), whole.rows.end(),
                                          [](const SweepRow& row) { return row.feasible(); })));
}

TEST_CASE("The rows of a sampled sweep's CSV read back at their configurations", "[sweep]") {
  // Before, a row's index was its point's position in the whole product: resuming a sampled
  // sweep indexed past the rows (a crash).
  const SweepSpec s = quasar::test::Parse(
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nprecisions: [w8a8, w4a4]\n"
      "sweep:\n  clock_mhz: {from: 100, to: 200, step: 1}\n"
      "  dram.latency_cycles: {from: 0, to: 100, step: 1}\n"
      "sample: {method: random, count: 30, seed: 3}\n");
  REQUIRE(s.ConfigCount() == 60);
  const SweepResult r = RunSweep(s, {});
  const std::string path = quasar::test::TempPath("quasar_sampled_sweep.csv");
  std::ofstream(path, std::ios::binary) << report::SweepCsv(s, r.rows, MarkFront(s, r.rows));
  const auto back = report::ReadSweepCsv(s, path);
  REQUIRE(back.size() == 60);
  for (size_t i = 0; i < back.size(); ++i) {
    REQUIRE(back[i].has_value());
    CHECK(back[i]->index == i);
    CHECK(back[i]->Key() == r.rows[i].Key());
    CHECK(ConfigIndex(s, ConfigAt(s, i).network, ConfigAt(s, i).precision, ConfigAt(s, i).value) ==
          i);
  }
  // A point the sample does not hold is no configuration of the sweep.
  std::vector<size_t> other = s.points[0];
  while (std::binary_search(s.points.begin(), s.points.end(), other)) {
    other[1] = (other[1] + 1) % 101;
  }
  CHECK_FALSE(ConfigIndex(s, 0, 0, other).has_value());
  std::remove(path.c_str());
}
