// How a sweep's configurations are shared out: runs of configurations that share their counts
// go to one worker (SharedCountsRun), shards and MPI ranks take their own rows (one by one, or in
// blocks), and `--shard` part files merge into the whole CSV. The rows are the whole sweep's
// every time.

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/explore/pareto.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar;
using namespace quasar::sim::explore;
using namespace quasar::report;

namespace {

using quasar::test::kSmall;
using quasar::test::Parse;
using quasar::test::TempPath;

}  // namespace

TEST_CASE("Runs of configurations that share their counts go to one worker, output unchanged",
          "[sweep]") {
  // The clock and the overflow mode change no count (ArchField::counts): trailing axes of them
  // make runs of 3 x 2 configurations.
  const char* text =
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n"
      "  array.rows: [8, 16]\n  array.dataflow: [os, ws]\n  clock_mhz: [200, 400, 800]\n"
      "  mac.accumulator.overflow: [wrap, saturate]\n";
  SweepSpec s = Parse(text);
  CHECK(SharedCountsRun(s) == 6);
  // A run ends at the first axis that counts, whatever follows it.
  CHECK(SharedCountsRun(Parse(kSmall)) == 1);
  CHECK(SharedCountsRun(Parse(std::string(kSmall) + "  clock_mhz: [100, 200]\n")) == 2);
  CHECK(SharedCountsRun(Parse("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n"
                              "  clock_mhz: [100, 200]\n  array.rows: [8, 16]\n")) == 1);
  // A sampled sweep's consecutive points share nothing in particular.
  CHECK(SharedCountsRun(
            Parse(std::string(text) + "sample: {method: random, count: 5, seed: 1}\n")) == 1);

  // 24 configurations in runs of 6: the same rows on 1 and 2 threads, in order, and each run
  // computes its mappings once (both threads would compute a run's first mappings at the same
  // time if its rows were spread over them; the rows are the same either way).
  SweepOptions two;
  two.jobs = 2;
  std::vector<size_t> order;
  two.on_row = [&](const SweepRow& r) { order.push_back(r.index); };
  const SweepResult b = RunSweep(s, two);
  SweepOptions one;
  one.jobs = 1;
  s.eval_cache = nullptr;  // and without the cache
  const SweepResult a = RunSweep(s, one);
  REQUIRE(a.rows.size() == 24);
  REQUIRE(order.size() == 24);
  for (size_t i = 0; i < order.size(); ++i) {
    CHECK(order[i] == i);
  }
  CHECK(SweepCsv(s, a.rows, MarkFront(s, a.rows)) == SweepCsv(s, b.rows, MarkFront(s, b.rows)));
}

TEST_CASE("Shards dealt in blocks (MPI ranks) hand out whole blocks, the rows unchanged",
          "[sweep][shard]") {
  // 2 x 2 x 3 x 2 = 24 configurations in runs of 6 (clock x overflow), dealt to 3 shards in
  // blocks of 6 and of 5 (the last block short, and blocks that cut runs).
  const SweepSpec s = Parse(
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n"
      "  array.rows: [8, 16]\n  array.dataflow: [os, ws]\n  clock_mhz: [200, 400, 800]\n"
      "  mac.accumulator.overflow: [wrap, saturate]\n");
  REQUIRE(SharedCountsRun(s) == 6);
  SweepOptions all;
  all.jobs = 1;
  const SweepResult whole = RunSweep(s, all);
  REQUIRE(whole.rows.size() == 24);
  for (size_t block : {6, 5}) {
    std::vector<size_t> seen;
    for (size_t shard = 0; shard < 3; ++shard) {
      SweepOptions o;
      o.jobs = 2;
      o.shard_index = shard;
      o.shard_count = 3;
      o.shard_block = block;
      const SweepResult r = RunSweep(s, o);
      INFO("block " << block << ", shard " << shard);
      size_t expected = 0;
      for (size_t c = 0; c < 24; ++c) expected += (c / block) % 3 == shard;
      REQUIRE(r.rows.size() == expected);
      for (size_t k = 0; k < r.rows.size(); ++k) {
        const size_t c = r.rows[k].index;
        CHECK((c / block) % 3 == shard);
        CHECK((k == 0 || c > r.rows[k - 1].index));
        CHECK(SweepCsvLine(s, r.rows[k], std::nullopt, std::nullopt) ==
              SweepCsvLine(s, whole.rows[c], std::nullopt, std::nullopt));
        seen.push_back(c);
      }
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen.size() == 24);
    for (size_t c = 0; c < seen.size(); ++c) CHECK(seen[c] == c);
  }
}

TEST_CASE("Shards hand out their own rows, and their part files merge into the whole CSV",
          "[sweep][shard]") {
  const SweepSpec s = Parse(kSmall);
  SweepOptions all;
  all.jobs = 2;
  const SweepResult whole = RunSweep(s, all);
  REQUIRE(whole.rows.size() == 16);
  std::vector<std::string> parts;
  for (size_t shard = 0; shard < 3; ++shard) {
    SweepOptions o;
    o.jobs = 2;
    o.shard_index = shard;
    o.shard_count = 3;
    std::vector<size_t> order;
    o.on_row = [&](const SweepRow& r) { order.push_back(r.index); };
    size_t last_total = 0;
    o.progress = [&](size_t, size_t total) { last_total = total; };
    const SweepResult r = RunSweep(s, o);
    const size_t expected = shard == 0 ? 6 : 5;  // 0, 3, ..., 15 and 1, 4, ..., 13
    REQUIRE(r.rows.size() == expected);
    CHECK(r.evaluated == expected);
    CHECK(last_total == expected);
    REQUIRE(order.size() == expected);
    for (size_t k = 0; k < expected; ++k) {
      CHECK(order[k] == shard + 3 * k);
      CHECK(r.rows[k].index == shard + 3 * k);
      CHECK(SweepCsvLine(s, r.rows[k], std::nullopt, std::nullopt) ==
            SweepCsvLine(s, whole.rows[shard + 3 * k], std::nullopt, std::nullopt));
    }
    const std::string path = TempPath("shard" + std::to_string(shard) + ".csv");
    std::ofstream(path, std::ios::binary) << SweepShardCsv(s, r.rows, shard, 3);
    parts.push_back(path);
  }
  std::ostringstream merged;
  CHECK(MergeSweepShards({parts[2], parts[0], parts[1]}, merged) == 16);
  CHECK(merged.str() == SweepCsv(s, whole.rows, MarkFront(s, whole.rows)));
  std::ostringstream ignored;
  CHECK_THROWS_AS(MergeSweepShards({parts[0], parts[1]}, ignored), InputError);
  CHECK_THROWS_AS(MergeSweepShards({parts[0], parts[1], parts[1]}, ignored), InputError);
  // Other constraints make another sweep: its part is refused.
  SweepSpec other = s;
  other.constraints.max_area_mm2 = 1.0;
  CHECK(SweepFingerprint(other) != SweepFingerprint(s));
  for (const std::string& p : parts) {
    std::remove(p.c_str());
  }
}
