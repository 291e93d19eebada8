// The iso-area accelerator and the metric rows of `quasar compare` (compare.h).

#include "quasar/sim/explore/compare.h"

#include <algorithm>
#include <cmath>

#include "quasar/models/cost/energy.h"

namespace quasar::sim::explore {

MacWidths NetworkMacWidths(const models::NetworkSpec& net) {
  MacWidths m;
  for (const models::NetLayer& l : net.layers) {
    const bool weighted = l.op == models::NetOp::kConv2d ||
                          l.op == models::NetOp::kDepthwiseConv2d ||
                          l.op == models::NetOp::kFullyConnected;
    if (!weighted && l.op != models::NetOp::kMatMul) {
      continue;
    }
    const models::OperandPrecision& a = net.tensor_precision.at(l.inputs[0]);
    const models::OperandPrecision& w =
        l.op == models::NetOp::kMatMul ? net.tensor_precision.at(l.inputs[1]) : l.precision.weights;
    m.a_bits = std::max(m.a_bits, a.StorageType().bits);
    m.w_bits = std::max(m.w_bits, w.StorageType().bits);
  }
  return m;
}

namespace {

// `base`'s rows and cols scaled by sqrt(budget / (pe * PEs)), into `arch` (its MAC already set).
models::ArchSpec FitArea(const models::ArchSpec& base, models::ArchSpec arch, double budget,
                         double pe, MacWidths widths) {
  const double scale = std::sqrt(budget / (pe * static_cast<double>(base.PeCount())));
  // At most the ArchSpec limit of 4096 a side.
  arch.rows = std::clamp<int64_t>(static_cast<int64_t>(std::floor(base.rows * scale)), 1, 4096);
  arch.cols = std::clamp<int64_t>(static_cast<int64_t>(std::floor(base.cols * scale)), 1, 4096);
  // Floating-point rounding must not let the array exceed the budget.
  while (arch.rows * arch.cols * pe > budget * (1 + 1e-12) && (arch.rows > 1 || arch.cols > 1)) {
    (arch.rows >= arch.cols ? arch.rows : arch.cols) -= 1;
  }
  arch.name =
      base.name + "-iso-w" + std::to_string(widths.w_bits) + "a" + std::to_string(widths.a_bits);
  return arch;
}

models::ArchSpec PlainMac(const models::ArchSpec& base, MacWidths widths) {
  models::ArchSpec arch = base;
  arch.mac.weight_bits = widths.w_bits;
  arch.mac.activation_bits = widths.a_bits;
  arch.mac.scaling = models::PrecisionScaling::kNone;
  arch.mac.binary_lanes = 0;
  return arch;
}

}  // namespace

models::ArchSpec IsoAreaArch(const models::ArchSpec& base, const models::CostTable& table,
                             MacWidths widths) {
  const models::ArchSpec arch = PlainMac(base, widths);
  return FitArea(base, arch, models::PriceArea(base, table).pe_array,
                 models::PriceArea(arch, table).pe, widths);
}

std::optional<models::ArchSpec> IsoAreaArchByRtl(const models::ArchSpec& base,
                                                 const models::CostTable& table, MacWidths widths,
                                                 const models::RtlMacCells& cells) {
  const models::ArchSpec arch = PlainMac(base, widths);
  const auto match = models::MatchRtlMac(cells, arch.mac);
  if (!match) {
    return std::nullopt;
  }
  const double pe8 = models::PriceArea(PlainMac(base, {8, 8}), table).pe;
  return FitArea(base, arch, models::PriceArea(base, table).pe_array,
                 pe8 * match->relative_to_int8, widths);
}

std::vector<MetricRow> ComparisonMetrics(const std::vector<ComparisonColumn>& columns) {
  std::vector<MetricRow> rows;
  auto add = [&](const std::string& key, const std::string& label, const std::string& unit,
                 auto&& value, bool needs_feasible = true) {
    MetricRow r{key, label, unit, {}};
    for (const ComparisonColumn& c : columns) {
      if (needs_feasible && !c.perf.ok()) {
        r.values.push_back(std::nullopt);
      } else {
        r.values.push_back(value(c));
      }
    }
    rows.push_back(std::move(r));
  };
  using C = const ComparisonColumn&;
  add(
      "pes", "PEs", "", [](C c) { return std::optional<double>(double(c.arch.PeCount())); }, false);
  add("latency_ms", "latency", "ms", [](C c) { return std::optional(c.perf.latency_s * 1e3); });
  add("inferences_per_s", "inferences/s", "",
      [](C c) { return std::optional(c.perf.inferences_per_s); });
  add("effective_tops", "effective TOPS", "",
      [](C c) { return std::optional(c.perf.effective_tops); });
  add("utilization_pct", "utilization", "%",
      [](C c) { return std::optional(c.perf.utilization * 100); });
  add("energy_uj", "energy/inference", "uJ",
      [](C c) { return std::optional(c.perf.energy.Total() / 1e6); });
  for (const models::EnergyComponent& part : models::EnergyComponents()) {
    std::string label = std::string("  ") + part.key;
    std::replace(label.begin(), label.end(), '_', ' ');
    add(std::string("energy_") + part.key + "_uj", label, "uJ",
        [m = part.field](C c) { return std::optional(c.perf.energy.*m / 1e6); });
  }
  add("tops_per_watt", "TOPS/W", "", [](C c) { return std::optional(c.perf.tops_per_watt); });
  add(
      "area_mm2", "area", "mm2", [](C c) { return std::optional(c.perf.area.Total() / 1e6); },
      false);
  add(
      "pe_array_area_mm2", "  PE array", "mm2",
      [](C c) { return std::optional(c.perf.area.pe_array / 1e6); }, false);
  if (std::any_of(columns.begin(), columns.end(),
                  [](C c) { return c.rtl_sized_pes.has_value(); })) {
    add(
        "rtl_sized_pes", "PEs, sized by RTL gates", "",
        [](C c) { return c.rtl_sized_pes ? std::optional(double(*c.rtl_sized_pes)) : std::nullopt; },
        false);
    add("rtl_sized_latency_ms", "latency, sized by RTL gates", "ms", [](C c) {
      return c.rtl_sized_latency_s ? std::optional(*c.rtl_sized_latency_s * 1e3) : std::nullopt;
    });
  }
  add("dram_mb", "DRAM traffic", "MB",
      [](C c) { return std::optional((c.perf.dram_read_bytes + c.perf.dram_write_bytes) / 1e6); });
  add(
      "accumulator_bits_needed", "accumulator bits needed", "",
      [](C c) {
        return c.required_acc_bits ? std::optional(double(*c.required_acc_bits)) : std::nullopt;
      },
      false);
  add(
      "output_sqnr_db", "output SQNR vs float, mean", "dB", [](C c) { return c.output_sqnr_db; },
      false);
  add(
      "output_sqnr_p5_db", "  5th percentile", "dB", [](C c) { return c.output_sqnr_p5_db; },
      false);
  // Accuracy rows only when some column was measured on data.
  const bool ptq = std::any_of(columns.begin(), columns.end(), [](C c) { return c.ptq.has_value(); });
  const bool qat = std::any_of(columns.begin(), columns.end(), [](C c) { return c.qat.has_value(); });
  auto pct = [](const std::optional<AccuracySummary>& a, double AccuracySummary::*m) {
    return a ? std::optional<double>(100 * (*a).*m) : std::nullopt;
  };
  if (ptq) {
    add(
        "ptq_top1_pct", "top-1 PTQ", "%",
        [&](C c) { return pct(c.ptq, &AccuracySummary::top1); }, false);
  }
  if (qat) {
    add(
        "qat_top1_pct", "top-1 QAT", "%",
        [&](C c) { return pct(c.qat, &AccuracySummary::top1); }, false);
    add(
        "qat_float_top1_pct", "  QAT model in float", "%",
        [&](C c) { return pct(c.qat, &AccuracySummary::float_top1); }, false);
  }
  if (ptq) {
    add(
        "ptq_agreement_pct", "PTQ top-1 = float top-1", "%",
        [&](C c) { return pct(c.ptq, &AccuracySummary::agreement); }, false);
  }
  return rows;
}

}  // namespace quasar::sim::explore
