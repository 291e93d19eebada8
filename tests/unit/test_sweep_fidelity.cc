// Fidelity in sweeps (sim/explore): measured once per (network, precision, accumulator), the
// swept accumulator's effect, accuracy on labelled data (data:, images:, the top-1 objective and
// bound, resume) and the errors of those keys.

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "quasar/sim/explore/compare.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar;
using namespace quasar::sim::explore;
using namespace quasar::report;
using quasar::test::ErrorOf;
using quasar::test::Parse;
using quasar::test::TempPath;

TEST_CASE("Sweep fidelity computes the SQNR once per network and precision", "[sweep]") {
  const SweepSpec s = Parse(
      "version: 1\nbase: bitfusion_16x32\nnetworks: [lenet5]\nprecisions: [w8a8, w2a2]\n"
      "fidelity: true\nsweep:\n  array.rows: [8, 16]\n");
  const SweepResult r = RunSweep(s, {});
  CHECK(r.fidelity_runs == 2);
  REQUIRE(r.rows.size() == 4);
  REQUIRE(r.rows[0].sqnr_db);
  REQUIRE(r.rows[3].sqnr_db);
  CHECK(*r.rows[0].sqnr_db == *r.rows[1].sqnr_db);
  CHECK(*r.rows[0].sqnr_db > *r.rows[2].sqnr_db + 10);  // 8 bits are far more faithful
  // With SQNR as an objective the 8-bit rows are not dominated by the faster 2-bit ones.
  const SweepMarks m = MarkFront(s, r.rows);
  CHECK((m.pareto[0] || m.pareto[1]));
  CHECK((m.pareto[2] || m.pareto[3]));
  CHECK(SweepCsvHeader(s).find(",sqnr_db,sqnr_p5_db,") != std::string::npos);
  // The zoo's LeNet-5 has synthetic weights, and the JSON says so.
  CHECK(SweepJson(s, r.rows, m).find("\"synthetic_weights\": [\"lenet5\"]") != std::string::npos);
  // Resuming every row needs no fidelity run.
  std::vector<std::optional<SweepRow>> done(r.rows.begin(), r.rows.end());
  CHECK(RunSweep(s, {}, done).fidelity_runs == 0);
}

TEST_CASE("Sweep fidelity follows the swept accumulator and measures accuracy on data:",
          "[sweep][data]") {
  const std::string net = std::string(QUASAR_SOURCE_DIR) + "/tests/data/digits/digits_cnn.yaml";
  const SweepSpec s = Parse(
      "version: 1\nbase: edge_32x32_os\nnetworks: [" + net +
      "]\nprecisions: [w8a8, w4a4]\nfidelity: true\ndata: digits\nimages: 200\n"
      "constraints: {min_top1_pct: 80}\n"
      "sweep:\n  mac.accumulator.bits: [12, 32]\n  mac.accumulator.overflow: [wrap, saturate]\n"
      "  array.rows: [8, 16]\n");
  REQUIRE(s.data);
  CHECK(s.contexts[0].find(";data=") != std::string::npos);
  CHECK(SweepCsvHeader(s).find(",dram_bytes,top1_pct,agreement_pct,sqnr_db,sqnr_p5_db,") !=
        std::string::npos);
  SweepOptions one;
  one.jobs = 1;
  const SweepResult r = RunSweep(s, one);
  CHECK(r.fidelity_runs == 8);  // 2 precisions x 2 widths x 2 overflow modes
  REQUIRE(r.rows.size() == 16);
  // Rows 0..7 are w8a8: (12, wrap) x rows 8, 16; (12, saturate); (32, wrap); (32, saturate).
  for (const SweepRow& row : r.rows) {
    REQUIRE(row.top1_pct);
    REQUIRE(row.agreement_pct);
    REQUIRE(row.sqnr_db);
    REQUIRE(row.sqnr_p5_db);
    CHECK(*row.sqnr_p5_db <= *row.sqnr_db);
  }
  for (size_t i = 0; i < 16; i += 2) {  // the array does not change the arithmetic
    CHECK(*r.rows[i].top1_pct == *r.rows[i + 1].top1_pct);
    CHECK(*r.rows[i].sqnr_db == *r.rows[i + 1].sqnr_db);
  }
  // Each row's figures are MeasureAccuracy's with that accumulator, on the first 200 images.
  for (size_t i : {0, 2, 4, 6, 8, 14}) {
    const SweepConfig c = ConfigAt(s, i);
    const models::AccumulatorSpec acc = AccumulatorFor(s, c);
    CHECK(acc.bits == (i % 8 < 4 ? 12 : 32));
    models::AccuracyOptions o;
    o.images = 200;
    const AccuracySummary a = MeasureAccuracy(s.nets[c.precision], *s.data, acc, o);
    CHECK(a.images == 200);
    CHECK(*r.rows[i].top1_pct == Approx(100 * a.top1).epsilon(1e-12));
    CHECK(*r.rows[i].agreement_pct == Approx(100 * a.agreement).epsilon(1e-12));
    CHECK(*r.rows[i].sqnr_db == a.sqnr_mean_db);
  }
  // 32 bits never overflow here: wrap = saturate. 12 bits do, and the modes then differ.
  CHECK(*r.rows[4].sqnr_db == *r.rows[6].sqnr_db);
  CHECK(*r.rows[0].sqnr_db != *r.rows[4].sqnr_db);
  CHECK(*r.rows[0].sqnr_db != *r.rows[2].sqnr_db);
  // The 4th objective is top-1; the bound applies to it.
  const SweepMarks m = MarkFront(s, r.rows);
  for (size_t i = 0; i < r.rows.size(); ++i) {
    CHECK(m.within_constraints[i] == (*r.rows[i].top1_pct >= 80));
  }
  CHECK(FrontTable(s, r.rows).find("-top-1") != std::string::npos);
  // Resume reads every figure back.
  const std::string path = TempPath("quasar_sweep_data.csv");
  std::ofstream(path) << SweepCsv(s, r.rows, m);
  const auto back = ReadSweepCsv(s, path);
  std::remove(path.c_str());
  for (size_t i = 0; i < r.rows.size(); ++i) {
    REQUIRE(back[i]);
    CHECK(back[i]->top1_pct == r.rows[i].top1_pct);
    CHECK(back[i]->agreement_pct == r.rows[i].agreement_pct);
    CHECK(back[i]->sqnr_p5_db == r.rows[i].sqnr_p5_db);
  }
  CHECK(SweepJson(s, r.rows, m).find("\"images\": 200") != std::string::npos);
  CHECK(SweepJson(s, r.rows, m).find("\"synthetic_weights\": []") != std::string::npos);
}

TEST_CASE("Sweep data: errors name the key", "[sweep][data]") {
  const std::string head = "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n";
  CHECK(ErrorOf(head + "data: digits\n").find("s.yaml: data: needs fidelity: true") !=
        std::string::npos);
  CHECK(ErrorOf(head + "images: 10\n").find("s.yaml: images: needs data:") != std::string::npos);
  CHECK(ErrorOf(head + "fidelity: true\nconstraints: {min_top1_pct: 50}\n")
            .find("min_top1_pct: needs data:") != std::string::npos);
  // LeNet-5 takes 32x32 images, the digits are 8x8.
  CHECK(ErrorOf(head + "fidelity: true\ndata: digits\n").find("data: network 'lenet5'") !=
        std::string::npos);
  CHECK(ErrorOf(head + "fidelity: true\ndata: nosuchset\n").find("s.yaml: data: ") !=
        std::string::npos);
}
