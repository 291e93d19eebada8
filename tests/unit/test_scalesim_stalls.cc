// conventions: scalesim with a USER-mode bandwidth (sim/scalesim_stalls.h): SCALE-Sim v2's own
// USER-mode reports, pinned, reproduced from its topology and config files.
//
// Every pinned figure below is what scale-sim-v2 (commit 22f88b1, Debian 12's python3 3.11,
// python3-numpy, -pandas, -tqdm) wrote for the topology and the config beside it:
//   PYTHONPATH=. python3 scalesim/scale.py -t TOPOLOGY.csv -c CONFIG.cfg -p runs [-i gemm]
// with each config as UserConfig() below writes it (InterfaceBandwidth: USER, one bank). Its
// BANDWIDTH_REPORT's first three columns are the SRAM bandwidths compared here, and its
// DETAILED_ACCESS_REPORT's count columns (SRAM and DRAM reads and writes) the detail rows.

#include <catch2/catch.hpp>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/models/memory_limit.h"
#include "quasar/models/net/scalesim_import.h"
#include "quasar/models/spec/scalesim_config.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/scalesim_reports.h"
#include "quasar/sim/scalesim_stalls.h"

using namespace quasar;

namespace {

// A USER-mode config: input SRAMs of `kib`, the output SRAM of `ofmap_kib`, `bandwidth` words
// per cycle.
std::string UserConfig(int size, const std::string& dataflow, int bandwidth, int kib,
                       int ofmap_kib) {
  return "[general]\nrun_name = run\n\n[architecture_presets]\nArrayHeight: " +
         std::to_string(size) + "\nArrayWidth: " + std::to_string(size) +
         "\nIfmapSramSzkB: " + std::to_string(kib) + "\nFilterSramSzkB: " + std::to_string(kib) +
         "\nOfmapSramSzkB: " + std::to_string(ofmap_kib) +
         "\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\nBandwidth: " +
         std::to_string(bandwidth) + "\nDataflow: " + dataflow +
         "\nMemoryBanks: 1\n\n[run_presets]\nInterfaceBandwidth: USER\n";
}

const char* kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";
// topologies/conv_nets/test.csv: 7x7x192 input, 384 filters of 3x3, stride 1.
const std::string kTestCsv = std::string(kConvHeader) + "Inc5b_3x3, 7, 7, 3, 3, 192, 384, 1,\n";
// topologies/GEMM_mnk/test_mnk_input.csv (M = 128, N = 64, K = 256), run with -i gemm.
const std::string kGemmCsv = "Layer Name, M, N, K,\nTest 1, 128, 64, 256,\n";
// A layer whose last window leaves the input (stride 2), so its ifmap matrix has null entries.
const std::string kOddCsv = std::string(kConvHeader) + "Conv_a, 13, 11, 3, 2, 5, 20, 2,\n";

struct Run {
  models::ArchSpec arch;
  compiler::Schedule schedule;
  sim::ScaleSimReports reports;
};

Run RunScaleSim(const std::string& topology, const std::string& config) {
  Run r;
  r.arch = models::ParseScaleSimConfig(config, "user.cfg");
  r.arch.conventions = models::Conventions::kScaleSim;
  const models::NetworkSpec net = models::ParseScaleSimCsv(topology, "pin.csv", "pin");
  const models::CostTable table = models::LoadArchCostTable(r.arch);
  r.schedule =
      sim::Compile(net, r.arch, table, compiler::Objective::kCycles, compiler::MapperSearch::kFast);
  r.reports = sim::MakeScaleSimReports(r.schedule, r.arch);
  return r;
}

std::string Row(const std::string& report) { return report.substr(report.find('\n') + 1); }

}  // namespace

TEST_CASE("USER mode reproduces SCALE-Sim's stalls on its GEMM test topology") {
  SECTION("ws 8 x 8, 64 KiB, 2 words per cycle") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "ws", 2, 64, 64));
    CHECK(Row(r.reports.compute) ==
          "0, 103193, 64794, 31.754091847315223, 100.0, 81.52866242038216,\n");
    CHECK(Row(r.reports.bandwidth) ==
          "0, 2.540327347785218, 0.15877045923657612, 2.540327347785218,\n");
    // v2's DRAM counts: one fill of each input whole, and one more output word than outputs
    // (a drain frees a full line for a partial one inside its batch).
    CHECK(Row(r.reports.detail) == "0, 262144, 16384, 262144, 32768, 16384, 262145,\n");
    // The analytical model's own report carries the same cycles and stalls.
    const sim::NetworkPerf perf =
        sim::EvaluateSchedule(r.schedule, r.arch, models::LoadArchCostTable(r.arch));
    REQUIRE(perf.ok());
    CHECK(perf.cycles == 103193);
    CHECK(perf.stall_cycles == 64794);
  }
  SECTION("ws 8 x 8, 64 KiB, 10 words per cycle: no stalls, CALC mode's total") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "ws", 10, 64, 64));
    CHECK(Row(r.reports.compute) == "0, 38399, 0, 85.33555561342743, 100.0, 81.52866242038216,\n");
  }
  SECTION("is 8 x 8, 8 KiB, 1 word per cycle") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "is", 1, 8, 8));
    CHECK(Row(r.reports.compute) ==
          "0, 1045407, 1001376, 3.1344729851627164, 100.0, 68.81720430107522,\n");
    CHECK(Row(r.reports.bandwidth) ==
          "0, 0.031344729851627166, 0.25075783881301733, 0.25075783881301733,\n");
    CHECK(Row(r.reports.detail) == "0, 32768, 262144, 262144, 360448, 1048576, 262144,\n");
  }
  SECTION("os 8 x 8, 8 KiB, 1 word per cycle") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "os", 1, 8, 8));
    CHECK(Row(r.reports.compute) ==
          "0, 1831889, 1797330, 1.7887546679957138, 100.0, 94.81481481481492,\n");
  }
}

TEST_CASE("USER mode reproduces SCALE-Sim's write-buffer stalls") {
  // 1 MiB input SRAMs hold both operands whole (no read stalls); a 1 KiB output SRAM drained
  // one word a cycle stalls the array.
  SECTION("ws 8 x 8") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "ws", 1, 1024, 1));
    CHECK(Row(r.reports.compute) ==
          "0, 264756, 226357, 12.376678904349665, 100.0, 81.52866242038216,\n");
    CHECK(Row(r.reports.bandwidth) ==
          "0, 0.9901343123479732, 0.061883394521748326, 0.9901343123479732,\n");
    CHECK(Row(r.reports.detail) == "0, 262144, 16384, 262144, 32768, 16384, 262144,\n");
  }
  SECTION("is 8 x 8") {
    const Run r = RunScaleSim(kGemmCsv, UserConfig(8, "is", 1, 1024, 1));
    CHECK(Row(r.reports.compute) ==
          "0, 268855, 224824, 12.187982369678823, 100.0, 68.81720430107522,\n");
  }
}

TEST_CASE("USER mode reproduces SCALE-Sim's stalls on its conv test layer") {
  SECTION("os 32 x 32, 64 KiB, 10 words per cycle") {
    const Run r = RunScaleSim(kTestCsv, UserConfig(32, "os", 10, 64, 64));
    CHECK(Row(r.reports.compute) ==
          "0, 65840, 44361, 24.60510328068044, 78.125, 75.41899441340782,\n");
    CHECK(Row(r.reports.bandwidth) ==
          "0, 7.87363304981774, 10.078250303766707, 0.1574726609963548,\n");
    CHECK(Row(r.reports.detail) == "0, 518400, 663552, 10368, 393240, 688170, 9600,\n");
  }
  SECTION("is 32 x 32, 64 KiB, 10 words per cycle") {
    const Run r = RunScaleSim(kTestCsv, UserConfig(32, "is", 10, 64, 64));
    CHECK(Row(r.reports.compute) ==
          "0, 197546, 171735, 8.200621627367802, 78.125, 58.93909626719063,\n");
    CHECK(Row(r.reports.bandwidth) ==
          "0, 0.21868324339647474, 3.358974618569852, 2.624198920757697,\n");
    CHECK(Row(r.reports.detail) == "0, 43200, 663552, 518400, 65540, 1998970, 518400,\n");
  }
}

TEST_CASE("USER mode reproduces SCALE-Sim's stalls on a layer with null ifmap entries") {
  // 1 KiB SRAMs, 1 word per cycle, 8 x 8: the operands do not fit, every buffer stalls.
  const Run os = RunScaleSim(kOddCsv, UserConfig(8, "os", 1, 1, 1));
  CHECK(Row(os.reports.compute) == "0, 3104, 2445, 10.873067010309278, 75.0, 51.13636363636363,\n");
  CHECK(Row(os.reports.detail) == "0, 3240, 3000, 960, 3584, 1024, 720,\n");
  CHECK(Row(RunScaleSim(kOddCsv, UserConfig(8, "ws", 1, 1, 1)).reports.compute) ==
        "0, 3098, 2403, 10.894125242091672, 78.125, 43.269230769230774,\n");
  CHECK(Row(RunScaleSim(kOddCsv, UserConfig(8, "is", 1, 1, 1)).reports.compute) ==
        "0, 14892, 14053, 2.266317485898469, 84.375, 34.438775510204074,\n");
  // 2 KiB input and 1 KiB output SRAMs at 2 words per cycle (is), 1 KiB and 2 KiB at 3 (ws).
  CHECK(Row(RunScaleSim(kOddCsv, UserConfig(8, "is", 2, 2, 1)).reports.compute) ==
        "0, 1081, 242, 31.22109158186864, 84.375, 34.438775510204074,\n");
  CHECK(Row(RunScaleSim(kOddCsv, UserConfig(8, "ws", 3, 1, 2)).reports.compute) ==
        "0, 1052, 357, 32.08174904942966, 78.125, 43.269230769230774,\n");
}

TEST_CASE("USER mode: the accelerator's interface and the walk's limits") {
  const models::ArchSpec user =
      models::ParseScaleSimConfig(UserConfig(8, "ws", 7, 3, 5), "user.cfg");
  const std::optional<sim::ScaleSimUserMemory> m = sim::ScaleSimUserMemoryOf(user);
  REQUIRE(m.has_value());
  CHECK(m->words_per_cycle == 7);  // the .cfg's Bandwidth
  CHECK(m->ifmap_bytes == 3 * 1024);
  CHECK(m->filter_bytes == 3 * 1024);
  CHECK(m->ofmap_bytes == 5 * 1024);
  models::ArchSpec calc = user;
  calc.dram.bytes_per_cycle = models::kScaleSimCalcBytesPerCycle;
  CHECK_FALSE(sim::ScaleSimUserMemoryOf(calc).has_value());

  // A layer too large to walk cannot run, and says why.
  models::ArchSpec arch = user;
  arch.conventions = models::Conventions::kScaleSim;
  const models::CostTable table = models::LoadArchCostTable(arch);
  auto compile = [&](const std::string& csv) {
    return sim::Compile(models::ParseScaleSimCsv(csv, "big.csv", "big"), arch, table,
                        compiler::Objective::kCycles, compiler::MapperSearch::kFast);
  };
  const compiler::Schedule huge = compile("Layer Name, M, N, K,\nhuge, 100000, 100000, 100000,\n");
  const sim::NetworkPerf perf = sim::EvaluateSchedule(huge, arch, table);
  CHECK_FALSE(perf.ok());
  CHECK(
      perf.status.find("layer 'huge': SCALE-Sim's USER-mode demand matrices of this layer have") !=
      std::string::npos);
  CHECK_THROWS_AS(sim::MakeScaleSimReports(huge, arch), InputError);
  // Its buffers' index is checked against the memory limit: 1 MiB is too little for a
  // 1000 x 1000 input and filter.
  const compiler::Schedule mid = compile("Layer Name, M, N, K,\nmid, 1000, 1000, 1000,\n");
  models::SetMemoryLimit(1 << 20);
  const sim::NetworkPerf limited = sim::EvaluateSchedule(mid, arch, table);
  models::SetMemoryLimit(0);
  CHECK_FALSE(limited.ok());
  CHECK(
      limited.status.find("layer 'mid': SCALE-Sim's USER-mode buffers of this layer would need") !=
      std::string::npos);
}
