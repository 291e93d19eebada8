// conventions: scalesim (sim/scalesim_model.h, scalesim_reports.h): SCALE-Sim v2's own reports,
// pinned, reproduced character for character from its topology and config files; the mapper's
// whole-layer mapping; and the backends that refuse the conventions.
//
// Every pinned report below is what scale-sim-v2 (commit 22f88b1, Debian 12's python3 3.11,
// python3-numpy, -pandas, -tqdm) wrote for the topology and config beside it:
//   PYTHONPATH=. python3 scalesim/scale.py -t TOPOLOGY.csv -c CONFIG.cfg -p runs [-i gemm]
// with each config as Config() below writes it (CALC mode, 64 KiB SRAMs).

#include <catch2/catch.hpp>
#include <string>

#include "quasar/compiler/mapper.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/models/net/scalesim_import.h"
#include "quasar/models/spec/scalesim_config.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/scalesim_model.h"
#include "quasar/sim/scalesim_reports.h"

using namespace quasar;

namespace {

std::string Config(int size, const std::string& dataflow) {
  return "[general]\nrun_name = pin\n\n[architecture_presets]\nArrayHeight: " +
         std::to_string(size) + "\nArrayWidth: " + std::to_string(size) +
         "\nIfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nIfmapOffset: 0\n"
         "FilterOffset: 10000000\nOfmapOffset: 20000000\nBandwidth : 10\nDataflow : " +
         dataflow + "\nMemoryBanks: 1\n\n[run_presets]\nInterfaceBandwidth: CALC\n";
}

const char* kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides,\n";

// SCALE-Sim's three reports for `topology` on a size x size `dataflow` array.
sim::ScaleSimReports Reports(const std::string& topology, int size, const std::string& dataflow) {
  models::ArchSpec arch = models::ParseScaleSimConfig(Config(size, dataflow), "pin.cfg");
  arch.conventions = models::Conventions::kScaleSim;
  const models::NetworkSpec net = models::ParseScaleSimCsv(topology, "pin.csv", "pin");
  const models::CostTable table = models::LoadArchCostTable(arch);
  const compiler::Schedule s =
      sim::Compile(net, arch, table, compiler::Objective::kCycles, compiler::MapperSearch::kFast);
  return sim::MakeScaleSimReports(s, arch);
}

}  // namespace

TEST_CASE("scalesim conventions reproduce SCALE-Sim's reports of its own test layer") {
  // topologies/conv_nets/test.csv: 7x7x192 input, 384 filters of 3x3, stride 1.
  const std::string test_csv = std::string(kConvHeader) + "Inc5b_3x3, 7, 7, 3, 3, 192, 384, 1,\n";
  SECTION("os, 32 x 32") {
    const sim::ScaleSimReports r = Reports(test_csv, 32, "os");
    CHECK(r.compute ==
          "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute "
          "Util %,\n"
          "0, 21479, 0, 75.42250570324504, 78.125, 75.41899441340782,\n");
    CHECK(r.bandwidth ==
          "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW,\n"
          "0, 24.13520182503841, 30.893058336049165, 0.4827040365007682,\n");
    // SRAM IFMAP Reads, SRAM Filter Reads, SRAM OFMAP Writes as SCALE-Sim reports them, then
    // Quasar's DRAM counts: the input's 7 * 7 * 192 elements, 1728 x 384 weights, 25 x 384
    // outputs.
    CHECK(r.detail ==
          "LayerID, SRAM IFMAP Reads, SRAM Filter Reads, SRAM OFMAP Writes, DRAM IFMAP Reads, "
          "DRAM Filter Reads, DRAM OFMAP Writes,\n"
          "0, 518400, 663552, 10368, 9408, 663552, 9600,\n");
  }
  SECTION("is, 128 x 128") {
    const sim::ScaleSimReports r = Reports(test_csv, 128, "is");
    CHECK(r.compute.substr(r.compute.find('\n') + 1) ==
          "0, 10723, 0, 9.442320246199758, 18.833705357142858, 8.098704207326826,\n");
    CHECK(r.bandwidth.substr(r.bandwidth.find('\n') + 1) ==
          "0, 4.02872330504523, 61.881189965494734, 12.533805837918493,\n");
    CHECK(r.detail.substr(r.detail.find('\n') + 1).rfind("0, 43200, 663552, 134400, ", 0) == 0);
  }
}

TEST_CASE("scalesim conventions reproduce SCALE-Sim on an odd layer, every dataflow, 8 x 8") {
  // 13 x 11 x 5 input, 20 filters of 3 x 2, stride 2: SCALE-Sim's output is ceil((13 - 3 + 2)
  // / 2) x ceil((11 - 2 + 2) / 2) = 6 x 6, so M = 36, K = 30, N = 20, with partial folds on
  // every array dimension.
  const std::string odd = std::string(kConvHeader) + "Conv_a, 13, 11, 3, 2, 5, 20, 2,\n";
  struct Pin {
    const char* dataflow;
    const char* compute;
    const char* bandwidth;
    const char* sram;  // the detail row's first three counts
  };
  const Pin pins[] = {
      {"os", "0, 659, 0, 51.213960546282244, 75.0, 51.13636363636363,\n",
       "0, 4.9165402124430955, 4.552352048558422, 1.456752655538695,\n", "0, 3240, 3000, 960, "},
      {"ws", "0, 695, 0, 48.56115107913669, 78.125, 43.269230769230774,\n",
       "0, 4.661870503597123, 0.8633093525179856, 4.143884892086331,\n", "0, 3240, 600, 2880, "},
      {"is", "0, 839, 0, 40.226460071513706, 84.375, 34.438775510204074,\n",
       "0, 1.2872467222884387, 3.575685339690107, 3.432657926102503,\n", "0, 1080, 3000, 2880, "},
  };
  for (const Pin& p : pins) {
    INFO(p.dataflow);
    const sim::ScaleSimReports r = Reports(odd, 8, p.dataflow);
    CHECK(r.compute.substr(r.compute.find('\n') + 1) == p.compute);
    CHECK(r.bandwidth.substr(r.bandwidth.find('\n') + 1) == p.bandwidth);
    CHECK(r.detail.substr(r.detail.find('\n') + 1).rfind(p.sram, 0) == 0);
  }
}

TEST_CASE("a depthwise layer is one SCALE-Sim layer per channel") {
  // SCALE-Sim splits a layer whose name contains "DP" into one layer per channel
  // (topology_utils.py load_arrays_conv); Quasar's depthwise layer has one GEMM per channel.
  const std::string dp = std::string(kConvHeader) + "DP1, 9, 9, 3, 3, 3, 2, 2,\n";
  const sim::ScaleSimReports r = Reports(dp, 8, "os");
  CHECK(r.compute.substr(r.compute.find('\n') + 1) ==
        "0, 45, 0, 10.0, 25.0, 9.782608695652174,\n"
        "1, 45, 0, 10.0, 25.0, 9.782608695652174,\n"
        "2, 45, 0, 10.0, 25.0, 9.782608695652174,\n");
  CHECK(r.bandwidth.substr(r.bandwidth.find('\n') + 1) ==
        "0, 3.2, 0.8, 1.4222222222222223,\n"
        "1, 3.2, 0.8, 1.4222222222222223,\n"
        "2, 3.2, 0.8, 1.4222222222222223,\n");
}

TEST_CASE("scalesim conventions reproduce SCALE-Sim's GEMM test topology") {
  // topologies/GEMM_mnk/test_mnk_input.csv (M = 128, N = 64, K = 256), run with -i gemm.
  const sim::ScaleSimReports r = Reports("Layer Name, M, N, K,\nTest 1, 128, 64, 256,\n", 8, "ws");
  CHECK(r.compute.substr(r.compute.find('\n') + 1) ==
        "0, 38399, 0, 85.33555561342743, 100.0, 81.52866242038216,\n");
  CHECK(r.bandwidth.substr(r.bandwidth.find('\n') + 1) ==
        "0, 6.826844449074195, 0.4266777780671372, 6.826844449074195,\n");
  CHECK(r.detail.substr(r.detail.find('\n') + 1).rfind("0, 262144, 16384, 262144, ", 0) == 0);
}

TEST_CASE("the SCALE-Sim model's closed forms") {
  // A layer that no buffer of Quasar's own model could hold whole still maps whole.
  const compiler::GemmShape g{1, 100, 70, 9};  // M, K, N
  const sim::ScaleSimLayer os =
      sim::ScaleSimGemm(g, 7000, 16, 4, models::Dataflow::kOutputStationary);
  CHECK(os.row_folds == 7);  // ceil(100 / 16)
  CHECK(os.col_folds == 3);  // ceil(9 / 4)
  CHECK(os.cycles_per_fold == 70 + 16 + 4 - 2);
  CHECK(os.total_cycles == 21 * 88 - 1);
  CHECK(os.mapped_pe_folds == 100 * 9);
  CHECK(os.ifmap_sram_reads == 3 * 100 * 70);
  CHECK(os.filter_sram_reads == 7 * 70 * 9);
  CHECK(os.ofmap_sram_writes == 100 * 9 + 21 * (16 + 4));
  const sim::ScaleSimLayer ws =
      sim::ScaleSimGemm(g, 7000, 16, 4, models::Dataflow::kWeightStationary);
  CHECK(ws.row_folds == 5);  // ceil(70 / 16)
  CHECK(ws.col_folds == 3);
  CHECK(ws.total_cycles == 15 * (2 * 16 + 4 + 100 - 2) - 1);
  CHECK(ws.ifmap_sram_reads == 3 * 100 * 70);
  CHECK(ws.filter_sram_reads == 70 * 9);
  CHECK(ws.ofmap_sram_writes == 5 * 100 * 9);
  const sim::ScaleSimLayer is =
      sim::ScaleSimGemm(g, 7000, 16, 4, models::Dataflow::kInputStationary);
  CHECK(is.row_folds == 5);   // ceil(70 / 16)
  CHECK(is.col_folds == 25);  // ceil(100 / 4)
  CHECK(is.ifmap_sram_reads == 100 * 70);
  CHECK(is.filter_sram_reads == 25 * 70 * 9);
  CHECK(is.ofmap_sram_writes == 5 * 100 * 9);
  CHECK_THROWS_AS(sim::ScaleSimGemm({1, 0, 1, 1}, 1, 4, 4, models::Dataflow::kInputStationary),
                  std::invalid_argument);
}

TEST_CASE("scalesim conventions: whole layers, no buffer check, one product per PE-cycle") {
  models::ArchSpec arch = models::ParseScaleSimConfig(Config(8, "ws"), "pin.cfg");
  arch.input.kib = arch.weight.kib = arch.output.kib = 1;   // far too small for Quasar's tiles
  arch.mac.scaling = models::PrecisionScaling::kBitFusion;  // would pack 4-bit products
  arch.conventions = models::Conventions::kScaleSim;
  models::NetworkSpec net = models::ParseScaleSimCsv(
      std::string(kConvHeader) + "Conv_a, 13, 11, 3, 2, 5, 20, 2,\n", "pin.csv", "pin");
  const models::CostTable table = models::LoadArchCostTable(arch);
  const compiler::Schedule s =
      sim::Compile(net, arch, table, compiler::Objective::kCycles, compiler::MapperSearch::kDense);
  REQUIRE(s.layers.size() == 1);
  const compiler::LayerSchedule& l = s.layers[0];
  CHECK(l.ok());
  CHECK(l.tiling.m == 36);
  CHECK(l.tiling.k == 30);
  CHECK(l.tiling.n == 20);
  CHECK(l.pack == 1);
  const sim::NetworkPerf perf = sim::EvaluateSchedule(s, arch, table);
  REQUIRE(perf.ok());
  CHECK(perf.cycles == 695);  // SCALE-Sim's Total Cycles for this layer (pinned above)
  CHECK(perf.layers[0].events.macs == 36 * 30 * 20);
  CHECK(perf.layers[0].events.input_reads == 3240);
  CHECK(perf.layers[0].events.weight_reads == 600);
  CHECK(perf.layers[0].events.output_writes == 2880);
  CHECK(perf.stall_cycles == 0);

  // A schedule that tiles the layer cannot run under SCALE-Sim's conventions.
  compiler::Schedule tiled = s;
  tiled.layers[0].tiling.k = 10;
  const sim::NetworkPerf bad = sim::EvaluateSchedule(tiled, arch, table);
  CHECK_FALSE(bad.ok());
  CHECK(bad.status.find("conventions: scalesim maps whole layers") != std::string::npos);

  // Reports only under these conventions.
  models::ArchSpec quasar = arch;
  quasar.conventions = models::Conventions::kQuasar;
  CHECK_THROWS_AS(sim::MakeScaleSimReports(s, quasar), std::invalid_argument);
}

TEST_CASE("backends that move values refuse SCALE-Sim's conventions") {
  models::ArchSpec arch;
  arch.file = "a.yaml";
  CHECK_NOTHROW(sim::RequireQuasarConventions(arch, "SystemC cycle model"));
  arch.conventions = models::Conventions::kScaleSim;
  try {
    sim::RequireQuasarConventions(arch, "SystemC cycle model");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("a.yaml: conventions: scalesim") != std::string::npos);
    CHECK(std::string(e.what()).find("SystemC cycle model") != std::string::npos);
  }
  CHECK(models::ParseConventions("scalesim") == models::Conventions::kScaleSim);
  CHECK(models::ConventionsName(models::Conventions::kQuasar) == "quasar");
  CHECK_FALSE(models::ParseConventions("SCALE-Sim").has_value());
}

TEST_CASE("numbers print as Python's str() prints them") {
  // Each expected text is Python 3's str(float(x)).
  CHECK(sim::PythonFloatText(100.0) == "100.0");
  CHECK(sim::PythonFloatText(0.0) == "0.0");
  CHECK(sim::PythonFloatText(78.125) == "78.125");
  CHECK(sim::PythonFloatText(85.33555561342743) == "85.33555561342743");
  CHECK(sim::PythonFloatText(0.1) == "0.1");
  CHECK(sim::PythonFloatText(1.0 / 3) == "0.3333333333333333");
  CHECK(sim::PythonFloatText(0.0001) == "0.0001");
  CHECK(sim::PythonFloatText(0.00001) == "1e-05");
  CHECK(sim::PythonFloatText(1.5e-7) == "1.5e-07");
  CHECK(sim::PythonFloatText(1e15) == "1000000000000000.0");
  CHECK(sim::PythonFloatText(1e16) == "1e+16");
  CHECK(sim::PythonFloatText(1.25e20) == "1.25e+20");
  CHECK(sim::PythonFloatText(-2.5) == "-2.5");
  CHECK(sim::PythonFloatText(123456.789) == "123456.789");
}
