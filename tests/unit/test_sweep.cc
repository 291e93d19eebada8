// Design-space sweeps (sim/explore): the Pareto front on hand-made points (dominated points,
// duplicates, ties, candidates, NaN, constraints), the sweep file's keys and error messages, the
// order of configurations, and running a small LeNet-5 sweep: identical output on 1 and 2
// threads, resuming from a cut CSV evaluates only the missing rows, infeasible and invalid
// configurations, per-network fronts. Fidelity and accuracy sweeps: test_sweep_fidelity.cc; runs,
// shards and MPI blocks: test_sweep_shard.cc.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "quasar/models/error.h"
#include "quasar/sim/explore/pareto.h"
#include "quasar/report/sweep.h"
#include "quasar/sim/explore/sweep.h"
#include "sweep_test_util.h"

using namespace quasar;
using namespace quasar::sim::explore;
using namespace quasar::report;

namespace {

using quasar::test::ErrorOf;
using quasar::test::kSmall;  // a LeNet-5 sweep of 2 precisions x 2 x 2 x 2 = 16 configurations
using quasar::test::Parse;
using quasar::test::TempPath;

}  // namespace

TEST_CASE("Pareto dominance needs no worse everywhere and better somewhere", "[sweep][pareto]") {
  CHECK(Dominates({1, 2, 3}, {1, 2, 4}));
  CHECK(Dominates({0, 0, 0}, {1, 1, 1}));
  CHECK_FALSE(Dominates({1, 2, 3}, {1, 2, 3}));  // identical
  CHECK_FALSE(Dominates({1, 5, 3}, {2, 4, 3}));  // a trade-off
  CHECK_FALSE(Dominates({2, 2, 4}, {1, 2, 3}));
  CHECK_THROWS_AS(Dominates({1, 2}, {1, 2, 3}), std::logic_error);
}

TEST_CASE("Pareto front of hand-made points", "[sweep][pareto]") {
  // 0 and 1 trade off; 2 is dominated by 0; 3 duplicates 1; 4 ties 0 in two objectives and is
  // worse in the third; 5 is better than everything but not a candidate; 6 has a NaN.
  const std::vector<std::vector<double>> p = {{1, 5, 2},   {3, 1, 2}, {2, 6, 3},  {3, 1, 2},
                                              {1, 5, 2.5}, {0, 0, 0}, {NAN, 0, 0}};
  const std::vector<bool> candidate = {true, true, true, true, true, false, true};
  const std::vector<bool> front = ParetoFront(p, candidate);
  CHECK(front == std::vector<bool>{true, true, false, true, false, false, false});
  // As a candidate, point 5 dominates all the others.
  CHECK(ParetoFront(p) == std::vector<bool>{false, false, false, false, false, true, false});
  // The result does not depend on the order of the points.
  std::vector<std::vector<double>> reversed(p.rbegin(), p.rend());
  std::vector<bool> rc(candidate.rbegin(), candidate.rend());
  std::vector<bool> rf = ParetoFront(reversed, rc);
  std::reverse(rf.begin(), rf.end());
  CHECK(rf == front);
  CHECK(ParetoFront({}).empty());
  CHECK(ParetoFront({{4, 4}}) == std::vector<bool>{true});
  CHECK_THROWS_AS(ParetoFront(p, {true}), std::logic_error);
}

TEST_CASE("Pareto front of a larger set equals the quadratic definition", "[sweep][pareto]") {
  std::vector<std::vector<double>> p;
  for (int i = 0; i < 200; ++i) {  // a deterministic scatter with many ties
    p.push_back({static_cast<double>((i * 37) % 11), static_cast<double>((i * 53) % 13),
                 static_cast<double>((i * 71) % 7)});
  }
  const std::vector<bool> front = ParetoFront(p);
  for (size_t i = 0; i < p.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < p.size(); ++j) {
      dominated = dominated || Dominates(p[j], p[i]);
    }
    CHECK(front[i] == !dominated);
  }
}

TEST_CASE("Sweep constraints are inclusive bounds", "[sweep][pareto]") {
  Constraints c;
  CHECK(c.empty());
  CHECK(MeetsConstraints(c, 1e9, 1e9, 1e9, std::nullopt));
  c.max_area_mm2 = 2;
  c.max_latency_s = 0.5;
  CHECK(MeetsConstraints(c, 2, 0.5, 100, std::nullopt));
  CHECK_FALSE(MeetsConstraints(c, 2.001, 0.5, 100, std::nullopt));
  CHECK_FALSE(MeetsConstraints(c, 1, 0.6, 100, std::nullopt));
  CHECK_FALSE(MeetsConstraints(c, NAN, 0.1, 100, std::nullopt));
  c.max_energy_uj = 10;
  CHECK_FALSE(MeetsConstraints(c, 1, 0.1, 11, std::nullopt));
  c.min_sqnr_db = 20;
  CHECK_FALSE(MeetsConstraints(c, 1, 0.1, 5, std::nullopt));  // SQNR unknown
  CHECK_FALSE(MeetsConstraints(c, 1, 0.1, 5, 19.9));
  CHECK(MeetsConstraints(c, 1, 0.1, 5, 20));
}

TEST_CASE("Sweep file: values, ranges and the order of configurations", "[sweep]") {
  const SweepSpec s = Parse(std::string(kSmall) +
                            "  clock_mhz: {from: 250, to: 1000, step: 250}\n"
                            "  dram.bytes_per_cycle: 12.5\n"
                            "constraints: {max_area_mm2: 3}\nobjective: energy\n");
  REQUIRE(s.axes.size() == 5);
  CHECK(s.axes[0].key == "array.rows");
  CHECK(s.axes[1].values == std::vector<std::string>{"4", "8"});
  CHECK(s.axes[3].values == std::vector<std::string>{"250", "500", "750", "1000"});
  CHECK(s.axes[4].values == std::vector<std::string>{"12.5"});
  CHECK_FALSE(s.axes[2].numeric);
  CHECK(s.ConfigCount() == 2 * 2 * 2 * 2 * 4);
  CHECK(s.nets.size() == 2);
  CHECK(s.objective == compiler::Objective::kEnergy);
  CHECK(*s.constraints.max_area_mm2 == 3);
  // The last axis varies fastest, networks and precisions are outermost.
  SweepConfig c = ConfigAt(s, 1);
  CHECK(c.precision == 0);
  CHECK(c.value == std::vector<size_t>{0, 0, 0, 1, 0});
  c = ConfigAt(s, 1 * 4 + 3);
  CHECK(c.value == std::vector<size_t>{0, 0, 1, 3, 0});
  c = ConfigAt(s, 32);
  CHECK(c.precision == 1);
  CHECK(c.value == std::vector<size_t>{0, 0, 0, 0, 0});
  const models::ArchSpec a = ArchFor(s, ConfigAt(s, 63));
  CHECK(a.rows == 8);
  CHECK(a.cols == 8);
  CHECK(a.dataflow == models::Dataflow::kWeightStationary);
  CHECK(a.clock_mhz == 1000);
  CHECK(a.dram.bytes_per_cycle == 12.5);
  CHECK(a.input.kib == 64);  // from the base
  // The precision is applied to the network's policy as --bits does.
  CHECK(s.nets[1].policy.weights.bits == 4);
  CHECK(s.nets[0].policy.weights.bits == 8);
  // Without precisions the network's own policy runs.
  CHECK(Parse("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n").precisions ==
        std::vector<std::string>{"default"});
}

TEST_CASE("Sweep file errors name the file, key path and value", "[sweep]") {
  const std::string head = "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n";
  CHECK(ErrorOf(head + "colour: red\n").find("s.yaml: colour: unknown key") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rowz: [1]}\n")
            .find("s.yaml: sweep.array.rowz: unknown field (sweepable: array.rows") !=
        std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rows: [8, 0]}\n")
            .find("s.yaml: sweep.array.rows[1]: must be in 1..4096, got 0") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.dataflow: [os, xs]}\n")
            .find("sweep.array.dataflow[1]: must be os, ws, is, got 'xs'") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rows: [8, 8]}\n")
            .find("sweep.array.rows[1]: repeats an earlier value, got 8") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {clock_mhz: -5}\n")
            .find("sweep.clock_mhz: must be a number >= 0.001 and <= 100000, got -5") !=
        std::string::npos);
  // A starved configuration used to be accepted, and reported fewer cycles than a normal one.
  CHECK(ErrorOf(head + "sweep: {dram.bytes_per_cycle: [16, 1e-15]}\n")
            .find("sweep.dram.bytes_per_cycle[1]: must be a number >= 0.001 and <= 65536, got "
                  "1e-15") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rows: {from: 8, to: 64, step: 8, factor: 2}}\n")
            .find("sweep.array.rows: a range {from, to, step | factor} needs exactly one") !=
        std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rows: {from: 8, to: 64, factor: 1.5}}\n")
            .find("sweep.array.rows.factor: must be an integer > 1, got 1.5") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.dataflow: {from: 1, to: 2, step: 1}}\n")
            .find("a range needs a numeric field") != std::string::npos);
  CHECK(ErrorOf(head + "precisions: [w8a8, w9x]\n").find("s.yaml: precisions[1]: ") !=
        std::string::npos);
  CHECK(ErrorOf("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5, nosuchnet]\n")
            .find("s.yaml: networks[1]: is neither a network file nor a network of the zoo") !=
        std::string::npos);
  CHECK(ErrorOf("version: 1\nbase: nosucharch\nnetworks: [lenet5]\n")
            .find("s.yaml: base: is neither an architecture file nor a preset") !=
        std::string::npos);
  CHECK(ErrorOf(head + "constraints: {min_sqnr_db: 20}\n").find("needs fidelity: true") !=
        std::string::npos);
  CHECK(ErrorOf("version: 2\nnetworks: [lenet5]\n").find("s.yaml: base: ") != std::string::npos);
  // Every problem at once, one per line.
  const std::string all = ErrorOf(head + "sweep: {array.rows: 0, array.cols: 0}\nobjective: x\n");
  CHECK(std::count(all.begin(), all.end(), '\n') == 2);
}

TEST_CASE("Sweep ranges of integer fields need integer bounds and never repeat", "[sweep]") {
  const std::string head = "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n";
  // 0.6, 1.2, 2.4 would round to 1, 1, 2.
  CHECK(ErrorOf(head + "sweep: {array.rows: {from: 0.6, to: 4, factor: 2}}\n")
            .find("s.yaml: sweep.array.rows.from: must be an integer for an integer field, got "
                  "0.6") != std::string::npos);
  CHECK(ErrorOf(head + "sweep: {array.rows: {from: 1, to: 4.5, step: 1}}\n")
            .find("sweep.array.rows.to: must be an integer for an integer field, got 4.5") !=
        std::string::npos);
  CHECK(Parse(head + "sweep: {array.rows: {from: 1, to: 4, step: 1}}\n").axes[0].values ==
        std::vector<std::string>{"1", "2", "3", "4"});
  // Values of real ranges are the decimals one writes, not the sums' binary residue (they were
  // 995.4000000000001 for 100 + 8954 * 0.1, and 110.00000000000001 for 100 * 1.1).
  const std::vector<std::string> by_step =
      Parse(head + "sweep: {clock_mhz: {from: 995, to: 996, step: 0.1}}\n").axes[0].values;
  CHECK(by_step == std::vector<std::string>{"995", "995.1", "995.2", "995.3", "995.4", "995.5",
                                            "995.6", "995.7", "995.8", "995.9", "996"});
  CHECK(Parse(head + "sweep: {clock_mhz: {from: 100, to: 1000, step: 0.1}}\n")
            .axes[0]
            .values[8954] == "995.4");
  CHECK(Parse(head + "sweep: {clock_mhz: {from: 100, to: 150, factor: 1.1}}\n").axes[0].values ==
        std::vector<std::string>{"100", "110", "121", "133.1", "146.41"});
  // A step below the doubles' resolution repeats values: 1, 1 + 1e-16 (= 1), 1 + 2e-16.
  CHECK(ErrorOf(head + "sweep: {clock_mhz: {from: 1, to: 1.0000000000000002, step: 1e-16}}\n")
            .find("s.yaml: sweep.clock_mhz[1]: repeats an earlier value of the range") !=
        std::string::npos);
}

TEST_CASE("A sweep past 10^7 configurations is refused even when the count overflows", "[sweep]") {
  // 4096 x 4096 x 8192^4 = 2^76 configurations: a 64-bit product wraps around to 0.
  const std::string text =
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n"
      "  array.rows: {from: 1, to: 4096, step: 1}\n  array.cols: {from: 1, to: 4096, step: 1}\n"
      "  buffers.input.kib: {from: 1, to: 8192, step: 1}\n"
      "  buffers.weight.kib: {from: 1, to: 8192, step: 1}\n"
      "  buffers.output.kib: {from: 1, to: 8192, step: 1}\n"
      "  dram.latency_cycles: {from: 0, to: 8191, step: 1}\n";
  CHECK(ErrorOf(text).find("s.yaml: sweep: gives more than 10000000 configurations") !=
        std::string::npos);
  CHECK(ErrorOf("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nsweep:\n"
                "  array.rows: {from: 1, to: 4096, step: 1}\n"
                "  array.cols: {from: 1, to: 4096, step: 1}\n")
            .find("more than 10000000 configurations") != std::string::npos);
}

TEST_CASE("Resume refuses rows computed in another context", "[sweep]") {
  const SweepSpec s = Parse(kSmall);
  REQUIRE(s.contexts.size() == 1);
  CHECK(s.contexts[0].find("objective=cycles;first_last_bits=file;fidelity=false;network=") !=
        std::string::npos);
  const SweepResult r = RunSweep(s, {});
  CHECK(r.rows[3].context == s.contexts[0]);
  const std::string path = TempPath("quasar_test_sweep_context.csv");
  std::ofstream(path, std::ios::binary) << SweepCsv(s, r.rows, MarkFront(s, r.rows));
  const auto all = ReadSweepCsv(s, path);
  CHECK(std::count_if(all.begin(), all.end(), [](const auto& x) { return x.has_value(); }) == 16);
  // Same columns and keys, another objective, first_last_bits or base: refused, naming it.
  CHECK_THROWS_WITH(
      ReadSweepCsv(Parse(std::string(kSmall) + "objective: energy\n"), path),
      Catch::Contains(": line 2: context: cannot resume: its rows differ from this sweep in the "
                      "objective (file: cycles, this sweep: energy)"));
  CHECK_THROWS_WITH(ReadSweepCsv(Parse(std::string(kSmall) + "first_last_bits: 8\n"), path),
                    Catch::Contains("first_last_bits (file: file, this sweep: 8)"));
  // Rows of the fast search (the default, not written in the context) and another search.
  CHECK_THROWS_WITH(ReadSweepCsv(Parse(std::string(kSmall) + "search: refined\n"), path),
                    Catch::Contains("the mapper's search (file: fast, this sweep: refined)"));
  std::string other_base = kSmall;
  other_base.replace(other_base.find("edge_32x32_os"), 13, "eyeriss_12x14");
  CHECK_THROWS_WITH(ReadSweepCsv(Parse(other_base), path),
                    Catch::Contains("in the base architecture (file: "));
  // A network file that changed after the rows were written.
  const std::string dir = TempPath("quasar_test_sweep_net");
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(QUASAR_SOURCE_DIR) + "/workloads/networks/lenet5.yaml",
                             dir + "/net.yaml", std::filesystem::copy_options::overwrite_existing);
  const std::string own = "version: 1\nbase: edge_32x32_os\nnetworks: [net.yaml]\n";
  const SweepSpec a = ParseSweep(own, "o.yaml", dir, quasar::test::SweepTestPaths());
  const SweepResult ra = RunSweep(a, {});
  std::ofstream(path, std::ios::binary) << SweepCsv(a, ra.rows, MarkFront(a, ra.rows));
  CHECK(ReadSweepCsv(a, path)[0].has_value());
  std::ofstream(dir + "/net.yaml", std::ios::app) << "# edited\n";
  CHECK_THROWS_WITH(ReadSweepCsv(ParseSweep(own, "o.yaml", dir, quasar::test::SweepTestPaths()), path),
                    Catch::Contains("the network file of 'net.yaml' (file: "));
  std::filesystem::remove_all(dir);
  std::remove(path.c_str());
}

TEST_CASE("Sweep output is the same on 1 and 2 threads, rows handed out in order", "[sweep]") {
  const SweepSpec s = Parse(kSmall);
  SweepOptions one;
  one.jobs = 1;
  SweepOptions two;
  two.jobs = 2;
  std::vector<size_t> order;
  two.on_row = [&](const SweepRow& r) { order.push_back(r.index); };
  size_t last_done = 0;
  two.progress = [&](size_t done, size_t total) {
    CHECK(done > last_done);
    CHECK(total == 16);
    last_done = done;
  };
  const SweepResult a = RunSweep(s, one);
  const SweepResult b = RunSweep(s, two);
  REQUIRE(a.rows.size() == 16);
  CHECK(a.evaluated == 16);
  CHECK(last_done == 16);
  for (size_t i = 0; i < order.size(); ++i) {
    CHECK(order[i] == i);
  }
  CHECK(order.size() == 16);
  CHECK(SweepCsv(s, a.rows, MarkFront(s, a.rows)) == SweepCsv(s, b.rows, MarkFront(s, b.rows)));
  CHECK(SweepJson(s, a.rows, MarkFront(s, a.rows)) == SweepJson(s, b.rows, MarkFront(s, b.rows)));
  // Every row is feasible; the front holds no dominated row and at least one row.
  const SweepMarks m = MarkFront(s, a.rows);
  CHECK(std::count(m.pareto.begin(), m.pareto.end(), true) >= 1);
  // The CSV's last two columns are the marks.
  const std::string csv = SweepCsv(s, a.rows, m);
  size_t front_lines = 0;
  for (size_t pos = 0; (pos = csv.find(",true,true,arch=", pos)) != std::string::npos; ++pos) {
    ++front_lines;
  }
  CHECK(front_lines == static_cast<size_t>(std::count(m.pareto.begin(), m.pareto.end(), true)));
  CHECK(csv.find(",true,false,arch=") != std::string::npos);
  for (size_t i = 0; i < a.rows.size(); ++i) {
    CHECK(a.rows[i].feasible());
    CHECK(a.rows[i].cycles > 0);
    CHECK(a.rows[i].area_mm2 > 0);
    for (size_t j = 0; m.pareto[i] && j < a.rows.size(); ++j) {
      const SweepRow &x = a.rows[j], &y = a.rows[i];
      CHECK_FALSE(Dominates({x.latency_s, x.energy_pj, x.area_mm2},
                            {y.latency_s, y.energy_pj, y.area_mm2}));
    }
  }
}

TEST_CASE("A cut sweep resumes from its CSV evaluating only the missing rows", "[sweep]") {
  const SweepSpec s = Parse(kSmall);
  SweepOptions o;
  o.jobs = 2;
  const SweepResult full = RunSweep(s, o);
  const std::string csv = SweepCsv(s, full.rows, MarkFront(s, full.rows));
  // The file as an interrupted run leaves it: the header, 7 rows without marks, half a row.
  std::string cut = SweepCsvHeader(s);
  for (size_t i = 0; i < 7; ++i) {
    cut += SweepCsvLine(s, full.rows[i], std::nullopt, std::nullopt);
  }
  const std::string next = SweepCsvLine(s, full.rows[7], std::nullopt, std::nullopt);
  cut += next.substr(0, next.size() / 2);
  const std::string path = TempPath("quasar_test_sweep_resume.csv");
  std::ofstream(path, std::ios::binary) << cut;
  size_t dropped = 99;
  const auto done = ReadSweepCsv(s, path, &dropped);
  CHECK(dropped == 0);
  REQUIRE(done.size() == 16);
  CHECK(std::count_if(done.begin(), done.end(), [](const auto& r) { return r.has_value(); }) == 7);
  // on_row sees kept rows too: tag them to tell them from evaluated ones.
  auto tagged = done;
  for (auto& r : tagged) {
    if (r) {
      r->reason = "kept";
    }
  }
  size_t evaluated = 0, kept = 0;
  o.on_row = [&](const SweepRow& r) {
    if (r.reason == "kept") {
      CHECK(r.index < 7);
      ++kept;
    } else {
      CHECK(r.index >= 7);
      ++evaluated;
    }
  };
  const SweepResult tagged_run = RunSweep(s, o, tagged);
  CHECK(evaluated == 9);
  CHECK(kept == 7);
  CHECK(tagged_run.evaluated == 9);
  o.on_row = nullptr;
  const SweepResult resumed = RunSweep(s, o, done);
  CHECK(resumed.evaluated == 9);
  CHECK(resumed.reused == 7);
  CHECK(SweepCsv(s, resumed.rows, MarkFront(s, resumed.rows)) == csv);
  // A complete file resumes with nothing to evaluate; a sweep with other columns is refused.
  std::ofstream(path, std::ios::binary) << csv;
  CHECK(RunSweep(s, o, ReadSweepCsv(s, path)).evaluated == 0);
  const SweepSpec other = Parse("version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n");
  CHECK_THROWS_WITH(ReadSweepCsv(other, path),
                    Catch::Contains("cannot resume: its header is not this sweep's columns"));
  // A damaged cell is an error naming the file, line and column.
  std::string bad = SweepCsvLine(s, full.rows[0], std::nullopt, std::nullopt);
  const size_t at = bad.find(",feasible,,") + std::string(",feasible,,").size();
  bad.replace(at, bad.find(',', at) - at, "12x");
  std::ofstream(path, std::ios::binary) << SweepCsvHeader(s) << bad;
  CHECK_THROWS_WITH(ReadSweepCsv(s, path),
                    Catch::Contains(": line 2: cycles: must be an integer, got '12x'"));
  std::remove(path.c_str());
}

TEST_CASE("Sweep rows say why a configuration cannot run", "[sweep]") {
  // Bit Fusion needs power-of-two MAC widths (a combination the arch format rejects: invalid),
  // and a MAC narrower than LeNet-5's 8-bit weights cannot run them (infeasible).
  const SweepSpec s = Parse(
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\n"
      "sweep:\n  mac.precision_scaling: [none, bit_fusion]\n  mac.weight_bits: [8, 6, 4]\n");
  const SweepResult r = RunSweep(s, {});
  REQUIRE(r.rows.size() == 6);
  CHECK(r.rows[0].feasible());
  CHECK(r.rows[3].feasible());
  CHECK(r.rows[1].status == "infeasible");
  CHECK(r.rows[5].status == "infeasible");
  CHECK(r.rows[4].status == "invalid");
  CHECK(
      r.rows[4].reason.find("mac.weight_bits: precision_scaling bit_fusion needs a power of two") !=
      std::string::npos);
  CHECK(r.rows[2].status == "infeasible");
  CHECK_FALSE(r.rows[2].reason.empty());
  const SweepMarks m = MarkFront(s, r.rows);
  CHECK_FALSE(m.pareto[2]);
  CHECK_FALSE(m.pareto[4]);
  CHECK_FALSE(m.within_constraints[4]);
}

TEST_CASE("Sweep fronts are per network and respect the constraints", "[sweep]") {
  const std::string text =
      "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5, bnn_cifar10]\n"
      "sweep:\n  array.rows: [4, 16]\n  array.cols: [4, 16]\n";
  SweepSpec s = Parse(text);
  const SweepResult r = RunSweep(s, {});
  REQUIRE(r.rows.size() == 8);
  SweepMarks m = MarkFront(s, r.rows);
  // Each network has its own front: some row of each is on it.
  CHECK(std::any_of(m.pareto.begin(), m.pareto.begin() + 4, [](bool b) { return b; }));
  CHECK(std::any_of(m.pareto.begin() + 4, m.pareto.end(), [](bool b) { return b; }));
  // The smallest array (4 x 4) has the smallest area, the largest (16 x 16) the lowest latency.
  CHECK(m.pareto[0]);
  CHECK(m.pareto[3]);
  CHECK(m.within_constraints[3]);
  // An area bound (inclusive) at the 4 x 16 array's keeps 4 x 4, 4 x 16, 16 x 4 only.
  s.constraints.max_area_mm2 = r.rows[1].area_mm2;
  m = MarkFront(s, r.rows);
  CHECK(m.within_constraints[1]);
  CHECK_FALSE(m.within_constraints[3]);
  CHECK_FALSE(m.pareto[3]);
  CHECK(m.pareto[0]);
  CHECK(std::count(m.pareto.begin(), m.pareto.begin() + 4, true) >= 2);
  s.constraints.max_area_mm2 = 1e-9;  // nothing fits: no front
  m = MarkFront(s, r.rows);
  CHECK(std::none_of(m.pareto.begin(), m.pareto.end(), [](bool b) { return b; }));
  const std::string table = FrontTable(s, r.rows);
  CHECK(table.find("Pareto front of lenet5: 0 of 4 feasible configurations (0 within") !=
        std::string::npos);
}
