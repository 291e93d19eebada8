// The reports of `quasar compare` (quasar/report/compare.h, docs/compare.md): the metric rows,
// the table, JSON and CSV of a set of columns, and the note on the iso-area PE areas.

#include "quasar/report/compare.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "quasar/models/cost/energy.h"
#include "quasar/report/text.h"
#include "quasar/sim/core/llm_metrics.h"

namespace quasar::report {

using sim::explore::AccuracySummary;

namespace {

std::string Cell(const std::optional<double>& v) {
  if (!v) {
    return "-";
  }
  if (std::isinf(*v)) {
    return *v > 0 ? "inf" : "-inf";
  }
  const double a = std::fabs(*v);
  if (*v == std::round(*v) && a < 1e6) {
    return fmt::format("{:.0f}", *v);  // counts and widths
  }
  return a != 0 && (a >= 1e6 || a < 1e-3) ? fmt::format("{:.3e}", *v)
                                          : fmt::format("{:.{}f}", *v, a >= 100 ? 1 : 3);
}

}  // namespace

std::vector<MetricRow> ComparisonMetrics(const std::vector<ComparisonColumn>& columns,
                                         const models::DecoderBlockConfig* block) {
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
  if (block != nullptr) {
    const bool decode = block->phase == models::DecoderPhase::kDecode;
    auto llm = [block](C c) {
      return sim::ComputeLlmMetrics(c.perf, *block, c.arch.clock_mhz * 1e6);
    };
    if (!decode) {
      add("time_to_first_token_ms", "time to first token", "ms",
          [llm](C c) { return std::optional(llm(c).time_to_first_token_s * 1e3); });
    }
    add("tokens_per_s", "tokens/s", "", [llm](C c) { return std::optional(llm(c).tokens_per_s); });
    add("mj_per_token", "energy/token", "mJ",
        [llm](C c) { return std::optional(llm(c).joules_per_token * 1e3); });
    add("dram_bound_pct", "DRAM-bound cycles", "%",
        [llm](C c) { return std::optional(llm(c).dram_bound_fraction * 100); });
  }
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

std::string ArchLine(const models::ArchSpec& a) {
  if (a.mac.format != models::QuantCode::kLinear) {
    return fmt::format("{} ({}x{} {}, {} MAC)", a.name, a.rows, a.cols,
                       models::DataflowName(a.dataflow), models::QuantCodeName(a.mac.format));
  }
  return fmt::format(
      "{} ({}x{} {}, {}x{}-bit MAC{}{})", a.name, a.rows, a.cols, models::DataflowName(a.dataflow),
      a.mac.weight_bits, a.mac.activation_bits,
      a.mac.scaling == models::PrecisionScaling::kBitFusion ? ", Bit Fusion" : "",
      a.mac.binary_lanes > 0 ? fmt::format(", {} XNOR lanes", a.mac.binary_lanes) : "");
}

std::string CompareTable(const std::vector<ComparisonColumn>& cols, const std::string& title,
                         const models::DecoderBlockConfig* block) {
  std::string out = "\n" + title + "\n";
  out += fmt::format("{:<30}", "metric");
  for (const ComparisonColumn& c : cols) {
    out += fmt::format(" {:>12}", c.precision);
  }
  out += "\n";
  for (const MetricRow& r : ComparisonMetrics(cols, block)) {
    out += fmt::format("{:<30}", r.label + (r.unit.empty() ? "" : " (" + r.unit + ")"));
    for (const auto& v : r.values) {
      out += fmt::format(" {:>12}", Cell(v));
    }
    out += "\n";
  }
  for (const ComparisonColumn& c : cols) {
    out += fmt::format("{}: {}\n", c.precision, ArchLine(c.arch));
    if (!c.note.empty()) {
      out += fmt::format("  note: {}\n", c.note);
    }
    if (!c.perf.ok()) {
      out += fmt::format("  cannot run: {}\n", c.perf.status);
    }
  }
  return out;
}

nlohmann::ordered_json CompareJson(const std::vector<ComparisonColumn>& cols,
                                   const models::DecoderBlockConfig* block) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  const std::vector<MetricRow> rows = ComparisonMetrics(cols, block);
  for (size_t i = 0; i < cols.size(); ++i) {
    const ComparisonColumn& c = cols[i];
    nlohmann::ordered_json m;
    for (const MetricRow& r : rows) {
      // JSON has no infinity: an SQNR of +inf (output equal to float) is the string "inf".
      m[r.key] = !r.values[i] ? nlohmann::ordered_json()
                 : std::isinf(*r.values[i])
                     ? nlohmann::ordered_json(*r.values[i] > 0 ? "inf" : "-inf")
                     : nlohmann::ordered_json(*r.values[i]);
    }
    j.push_back({{"precision", c.precision},
                 {"view", c.view},
                 {"arch",
                  {{"name", c.arch.name},
                   {"rows", c.arch.rows},
                   {"cols", c.arch.cols},
                   {"weight_bits", c.arch.mac.weight_bits},
                   {"activation_bits", c.arch.mac.activation_bits},
                   {"precision_scaling", models::PrecisionScalingName(c.arch.mac.scaling)},
                   {"binary_lanes", c.arch.mac.binary_lanes},
                   {"mac_format", c.arch.mac.format == models::QuantCode::kLinear
                                      ? std::string("int")
                                      : models::QuantCodeName(c.arch.mac.format)}}},
                 {"status", c.perf.status},
                 {"note", c.note},
                 {"overflow_events", c.overflow_events ? nlohmann::ordered_json(*c.overflow_events)
                                                       : nlohmann::ordered_json()},
                 {"metrics", m}});
  }
  return j;
}

std::string CompareCsv(const std::vector<ComparisonColumn>& cols,
                       const models::DecoderBlockConfig* block) {
  const std::vector<MetricRow> rows = ComparisonMetrics(cols, block);
  std::vector<std::string> head = {"view", "precision", "arch", "rows", "cols"};
  if (block != nullptr) {
    head.push_back("blocks");  // of the LLM columns; the others are the run's
    head.push_back("lm_head");
    head.push_back("batch");
  }
  for (const MetricRow& r : rows) {
    head.push_back(r.key);
  }
  head.push_back("status");
  std::string out = CsvLine(head);
  for (size_t i = 0; i < cols.size(); ++i) {
    const ComparisonColumn& c = cols[i];
    std::vector<std::string> cells = {c.view, c.precision, c.arch.name,
                                      std::to_string(c.arch.rows), std::to_string(c.arch.cols)};
    if (block != nullptr) {
      cells.push_back(std::to_string(block->blocks));
      cells.push_back(block->lm_head ? "1" : "0");
      cells.push_back(std::to_string(block->batch));
    }
    for (const MetricRow& r : rows) {
      cells.push_back(r.values[i] ? fmt::format("{:.6g}", *r.values[i]) : std::string());
    }
    cells.push_back(c.perf.status);
    out += CsvLine(cells);
  }
  return out;
}

// Where the iso-area PE areas come from, with the binary-to-8-bit ratio of each source.
std::string IsoAreaSources(const models::ArchSpec& base, const models::CostTable& table,
                           const models::RtlMacCells& cells) {
  auto plain = [&](int bits) {
    models::ArchSpec a = base;
    a.mac.weight_bits = a.mac.activation_bits = bits;
    a.mac.scaling = models::PrecisionScaling::kNone;
    a.mac.binary_lanes = 0;
    return a;
  };
  const double table_ratio =
      models::PriceArea(plain(1), table).pe / models::PriceArea(plain(8), table).pe;
  const auto rtl = models::MatchRtlMac(cells, plain(1).mac);
  return fmt::format(
      "PE areas: \"PEs\" prices each PE by the technology table ({}; its binary PE, {:.3f} of "
      "the 8-bit one, is extrapolated); \"sized by RTL gates\" scales the table's 8-bit PE by the "
      "gate count of the project's synthesized MAC instead ({}{}; docs/rtl-area.md). The two "
      "bracket the iso-area density.\n",
      table.name, table_ratio, cells.tool,
      rtl ? fmt::format(", binary {:.3f} of 8-bit", rtl->relative_to_int8) : "");
}

std::string Comparison::Network() const {
  return same.empty() ? iso[0].perf.network : same[0].perf.network;
}

nlohmann::ordered_json ComparisonJson(const Comparison& c) {
  const std::vector<ComparisonColumn>& same = c.same;
  const std::vector<ComparisonColumn>& iso = c.iso;
  const models::Dataset* data = c.data;
  nlohmann::ordered_json j;
  j["network"] = c.Network();
  j["arch"] = c.base.name;
  j["precisions"] = c.precisions;
  if (c.fidelity_note) {
    j["fidelity_note"] = *c.fidelity_note;
  }
  if (data) {
    const ComparisonColumn& c0 = same.empty() ? iso[0] : same[0];
    j["data"] = {{"name", data->name},
                 {"source", data->test.source},
                 {"images", c0.ptq->images},
                 {"float_top1", c0.ptq->float_top1}};
  }
  const models::DecoderBlockConfig* block = c.block ? &*c.block : nullptr;
  if (block) {
    j["blocks"] = block->blocks;  // of the LLM rows; the other rows are the run's
    j["lm_head"] = block->lm_head;
    j["batch"] = block->batch;  // sequences: the LLM rows count their B x T new tokens
  }
  j["same_array"] = CompareJson(same, block);
  j["iso_area"] = CompareJson(iso, block);
  return j;
}

std::string ComparisonCsv(const Comparison& c) {
  std::vector<ComparisonColumn> all = c.same;
  all.insert(all.end(), c.iso.begin(), c.iso.end());
  return CompareCsv(all, c.block ? &*c.block : nullptr);
}

std::string ComparisonTable(const Comparison& c) {
  const std::vector<ComparisonColumn>& same = c.same;
  const std::vector<ComparisonColumn>& iso = c.iso;
  const models::Dataset* data = c.data;
  const models::ArchSpec& base = c.base;
  std::string text = fmt::format("quasar compare: {} on {}\n", c.Network(), ArchLine(base));
  if (c.block && !c.block->JustTheBlock()) {
    models::DecoderBlockConfig run = *c.block;  // what the other rows are for
    run.blocks = 1;
    text += fmt::format(
        "time to first token, tokens/s and energy/token: {}{} one after another ({}); the other "
        "rows: {}\n",
        models::DecoderModelScope(*c.block), c.block->lm_head ? "," : "",
        c.block->lm_head ? "the embedding is the first block's read of its input"
                         : "without the embedding and the LM head",
        models::DecoderModelScope(run));
  }
  if (c.fidelity_note) {
    text += *c.fidelity_note + "\n";
  }
  if (data) {
    const ComparisonColumn& c0 = same.empty() ? iso[0] : same[0];
    text += fmt::format(
        "accuracy on {} images of {} ({}): float top-1 {:.2f} %; PTQ = the float network "
        "quantized by Quasar (calibrated on {} train samples), QAT = the model trained at that "
        "precision, both run by the golden integer reference\n",
        c0.ptq->images, data->name, data->test.source, 100 * c0.ptq->float_top1,
        data->calibration.size());
  }
  if (!same.empty()) {
    text += CompareTable(same,
                         "Same array, each precision (" +
                             std::string(base.mac.scaling == models::PrecisionScaling::kBitFusion
                                             ? "with Bit Fusion precision scaling"
                                             : "no precision scaling") +
                             ")",
                         c.block ? &*c.block : nullptr);
  }
  if (!iso.empty()) {
    text += CompareTable(iso,
                         fmt::format("Iso-area: a plain MAC of each precision's widest "
                                     "operands, as many PEs as fit the {:.3f} mm2 PE array",
                                     c.iso_pe_array_mm2),
                         c.block ? &*c.block : nullptr);
    text += c.iso_area_sources;
  }
  return text;
}

}  // namespace quasar::report
