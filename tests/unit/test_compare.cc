// `quasar compare`'s library part (sim/explore/compare.h): the operand widths a network asks of
// a MAC, the iso-area accelerator, and the metric rows.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/energy.h"
#include "quasar/models/net/network.h"
#include "quasar/report/compare.h"
#include "quasar/sim/explore/compare.h"
#include "workloads_util.h"

namespace quasar::test {
using test::Preset;
using test::Zoo;

namespace {

using sim::explore::ComparisonColumn;
using sim::explore::IsoAreaArch;
using sim::explore::MacWidths;



TEST_CASE("Iso-area arrays scale the array for a narrower MAC within the same PE-array area",
          "[compare]") {
  for (const char* preset : {"edge_32x32_os", "bitfusion_16x32", "tpu_like_128x128_ws"}) {
    const models::ArchSpec base = Preset(preset);
    const models::CostTable table = models::LoadArchCostTable(base);
    const double budget = models::PriceArea(base, table).pe_array;
    for (MacWidths w :
         {MacWidths{8, 8}, MacWidths{4, 4}, MacWidths{2, 2}, MacWidths{1, 1}, MacWidths{4, 8}}) {
      INFO(preset << " w" << w.w_bits << "a" << w.a_bits);
      const models::ArchSpec iso = IsoAreaArch(base, table, w);
      CHECK(iso.mac.weight_bits == w.w_bits);
      CHECK(iso.mac.activation_bits == w.a_bits);
      CHECK(iso.mac.scaling == models::PrecisionScaling::kNone);
      CHECK(iso.mac.binary_lanes == 0);
      CHECK(iso.dataflow == base.dataflow);
      const double pe = models::PriceArea(iso, table).pe;
      // Fits the budget, and one more row and column (the same aspect ratio) would not.
      CHECK(models::PriceArea(iso, table).pe_array <= budget * (1 + 1e-9));
      CHECK((iso.rows + 1) * (iso.cols + 1) * pe > budget);
      // The aspect ratio is kept to within rounding.
      CHECK(std::fabs(double(iso.rows) / iso.cols - double(base.rows) / base.cols) <
            0.1 * double(base.rows) / base.cols + 1.0 / iso.cols);
    }
  }
  // Narrower MACs are smaller, so more of them fit.
  const models::ArchSpec base = Preset("edge_32x32_os");
  const models::CostTable table = models::LoadArchCostTable(base);
  const int64_t p8 = IsoAreaArch(base, table, {8, 8}).PeCount();
  const int64_t p4 = IsoAreaArch(base, table, {4, 4}).PeCount();
  const int64_t p2 = IsoAreaArch(base, table, {2, 2}).PeCount();
  CHECK(p8 == base.PeCount());  // the same MAC: the same array
  CHECK(p4 > p8);
  CHECK(p2 > p4);
}

TEST_CASE("A network's MAC widths are those of its widest weighted layer", "[compare]") {
  const models::NetworkSpec net = Zoo("lenet5");
  const MacWidths w8 = sim::explore::NetworkMacWidths(net);
  CHECK(w8.w_bits == 8);
  CHECK(w8.a_bits == 8);
  const models::NetworkSpec bnn = Zoo("bnn_cifar10");
  const MacWidths wb = sim::explore::NetworkMacWidths(bnn);
  // bnn_cifar10 keeps its first and last layers at 8 bits; the rest are binary.
  CHECK(wb.w_bits == 8);
  CHECK(wb.a_bits == 8);
}

TEST_CASE("Comparison metrics have one value per column, none where a column cannot run",
          "[compare]") {
  ComparisonColumn ok, bad;
  ok.precision = "w8a8";
  ok.arch = Preset("edge_32x32_os");
  ok.perf.latency_s = 2e-3;
  ok.perf.energy.mac = 5e6;
  ok.perf.energy.dram = 1e6;
  ok.perf.dram_read_bytes = 3000000;
  ok.output_sqnr_db = 30.5;
  ok.required_acc_bits = 21;
  bad = ok;
  bad.precision = "w1a1";
  bad.perf.status = "layer x cannot run";
  bad.output_sqnr_db.reset();
  const auto rows = report::ComparisonMetrics({ok, bad});
  REQUIRE(rows.size() > 10);
  bool saw_latency = false, saw_sqnr = false, saw_energy = false;
  for (const auto& r : rows) {
    REQUIRE(r.values.size() == 2);
    if (r.key == "latency_ms") {
      saw_latency = true;
      CHECK(*r.values[0] == Approx(2.0));
      CHECK(!r.values[1]);  // infeasible
    }
    if (r.key == "energy_uj") {
      saw_energy = true;
      CHECK(*r.values[0] == Approx(6.0));
    }
    if (r.key == "output_sqnr_db") {
      saw_sqnr = true;
      CHECK(*r.values[0] == Approx(30.5));
      CHECK(!r.values[1]);  // not measured
    }
    if (r.key == "accumulator_bits_needed") {
      CHECK(*r.values[1] == 21);  // fidelity does not depend on the array
    }
    if (r.key == "dram_mb") {
      CHECK(*r.values[0] == Approx(3.0));
    }
  }
  CHECK(saw_latency);
  CHECK(saw_energy);
  CHECK(saw_sqnr);
}

}  // namespace
}  // namespace quasar::test
