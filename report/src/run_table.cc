// The text forms of the run report (`quasar run`) and of the mapping summary (`quasar compile`):
// docs/run-output.md.

#include "quasar/report/run.h"

#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "quasar/compiler/mapper.h"
#include "quasar/models/cost/energy.h"
#include "quasar/sim/core/llm_metrics.h"

namespace quasar::report {

using compiler::LayerKind;
using compiler::LayerSchedule;

namespace {

double Percent(double part, double total) { return total > 0 ? 100.0 * part / total : 0.0; }

std::string GemmText(const LayerSchedule& l) {
  if (l.kind != LayerKind::kGemm) {
    return "-";
  }
  const std::string mkn = fmt::format("{}x{}x{}", l.gemm.m, l.gemm.k, l.gemm.n);
  return l.gemm.count > 1 ? fmt::format("{}x[{}]", l.gemm.count, mkn) : mkn;
}

std::string TileText(const LayerSchedule& l) {
  if (l.kind != LayerKind::kGemm || !l.ok()) {
    return "-";
  }
  return fmt::format("{}/{}/{} {}", l.tiling.m, l.tiling.k, l.tiling.n,
                     compiler::LoopOrderName(l.tiling.order));
}

// Widths of the name, op, GEMM and tile columns of the per-layer tables.
struct ColumnWidths {
  size_t name = 5, op = 2, gemm = 9, tile = 8;
};

ColumnWidths LayerColumnWidths(const compiler::Schedule& s) {
  ColumnWidths w;
  for (const LayerSchedule& l : s.layers) {
    w.name = std::max(w.name, l.name.size());
    w.op = std::max(w.op, l.op.size());
    w.gemm = std::max(w.gemm, GemmText(l).size());
    w.tile = std::max(w.tile, TileText(l).size());
  }
  return w;
}

std::string TrimRight(std::string r) {
  while (!r.empty() && r.back() == ' ') {
    r.pop_back();
  }
  return r;
}

// "warnings" and one indented line per layer warning, or nothing.
std::string WarningsText(const compiler::Schedule& s) {
  std::string out;
  for (const LayerSchedule& l : s.layers) {
    for (const std::string& w : l.warnings) {
      out += fmt::format("{}  {}: {}\n", out.empty() ? "warnings\n" : "", l.name, w);
    }
  }
  return out;
}

// What the text report adds to an area component's label: the PEs of the array, the size of an
// SRAM.
std::string AreaDetail(const models::AreaComponent& c, const models::ArchSpec& a,
                       const models::AreaBreakdown& ar) {
  using A = models::AreaBreakdown;
  if (c.field == &A::pe_array) {
    return fmt::format(" ({} PEs of {:.1f} um2)", a.PeCount(), ar.pe);
  }
  const std::pair<double A::*, const models::BufferSpec*> srams[] = {
      {&A::input_sram, &a.input}, {&A::weight_sram, &a.weight}, {&A::output_sram, &a.output}};
  for (const auto& [field, buffer] : srams) {
    if (c.field == field) {
      return fmt::format(" ({} KiB)", buffer->kib);
    }
  }
  return "";
}

}  // namespace

std::string RunTable(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t,
                     const std::string& objective_note) {
  const models::ArchSpec& a = t.arch;
  std::string out;
  out += fmt::format("network     {} ({} layers, {} MACs)\n", t.net.name, t.net.layers.size(),
                     perf.macs);
  out += fmt::format("arch        {} ({})\n", a.name, a.file);
  out += fmt::format(
      "array       {} x {} PEs, {}-bit x {}-bit {} MAC, {}-bit accumulator, precision scaling "
      "{}, {} binary lanes\n",
      a.rows, a.cols, a.mac.activation_bits, a.mac.weight_bits,
      a.mac.is_signed ? "signed" : "unsigned", a.mac.accumulator.bits,
      models::PrecisionScalingName(a.mac.scaling), a.mac.binary_lanes);
  out += fmt::format("dataflow    {}\n", models::DataflowName(a.dataflow));
  if (a.conventions != models::Conventions::kQuasar) {
    out += fmt::format(
        "conventions {} (SCALE-Sim v2's: whole-layer folds, its cycle counts and USER-mode "
        "stalls, no post-processing; docs/scalesim.md)\n",
        models::ConventionsName(a.conventions));
  }
  out += fmt::format("clock       {} MHz\n", a.clock_mhz);
  out += fmt::format("technology  {} ({})\n", t.table.name, t.table.node);
  out += fmt::format("objective   {}{}\n\n", compiler::ObjectiveName(s.objective), objective_note);

  const ColumnWidths w = LayerColumnWidths(s);
  auto row = [&](const std::string& name, const std::string& op, const std::string& gemm,
                 const std::string& tile, const std::string& pack, const std::string& cycles,
                 const std::string& stall, const std::string& util, const std::string& dram,
                 const std::string& energy, const std::string& flag) {
    std::string r = fmt::format(
        "{:<{}}  {:<{}}  {:>{}}  {:<{}}  {:>4}  {:>12}  {:>7}  {:>6}  "
        "{:>10}  {:>11}  {}",
        name, w.name, op, w.op, gemm, w.gemm, tile, w.tile, pack, cycles, stall, util, dram, energy,
        flag);
    out += TrimRight(std::move(r)) + "\n";
  };
  row("layer", "op", "M x K x N", "tile m/k/n order", "pack", "cycles", "stall %", "util %",
      "DRAM KiB", "energy uJ", "flag");
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSchedule& l = s.layers[i];
    const sim::LayerPerf& p = perf.layers[i];
    std::string flag;
    if (p.acc_too_narrow) {
      flag = "ACC!";
    }
    if (!p.ok()) {
      flag += (flag.empty() ? "" : " ") + std::string("INFEASIBLE: ") + p.status;
    }
    const bool runs = p.ok() && l.kind != LayerKind::kView;
    const double dram = static_cast<double>(p.events.dram_read_bytes + p.events.dram_write_bytes);
    row(l.name, l.op, GemmText(l), TileText(l),
        l.kind == LayerKind::kGemm ? std::to_string(l.pack) : "-", std::to_string(p.cycles),
        runs ? fmt::format("{:.1f}", Percent(p.stall_cycles, p.cycles)) : "-",
        runs && l.kind == LayerKind::kGemm ? fmt::format("{:.1f}", 100.0 * p.utilization) : "-",
        fmt::format("{:.1f}", dram / 1024.0), fmt::format("{:.3f}", p.energy.Total() / 1e6), flag);
  }
  const double energy = perf.energy.Total();
  row("TOTAL", "", "", "", "", std::to_string(perf.cycles),
      fmt::format("{:.1f}", Percent(perf.stall_cycles, perf.cycles)),
      fmt::format("{:.1f}", 100.0 * perf.utilization),
      fmt::format("{:.1f}", (perf.dram_read_bytes + perf.dram_write_bytes) / 1024.0),
      fmt::format("{:.3f}", energy / 1e6), perf.ok() ? "" : "INFEASIBLE");

  if (!perf.ok()) {
    out +=
        "\nINFEASIBLE: the network cannot run as a whole; the totals below count only the layers "
        "that run\n";
  }
  out += fmt::format("\ncycles          {} (compute {}, stall {})\n", perf.cycles,
                     perf.compute_cycles, perf.stall_cycles);
  out += fmt::format("latency         {:.4f} ms, {:.2f} inferences/s\n", perf.latency_s * 1e3,
                     perf.inferences_per_s);
  out += fmt::format(
      "throughput      {:.4f} effective TOPS of {:.4f} peak TOPS, utilization {:.1f} %\n",
      perf.effective_tops, perf.peak_tops, 100.0 * perf.utilization);
  out += fmt::format("MACs            {}\n", perf.macs);
  out += fmt::format("DRAM            read {:.3f} MB, write {:.3f} MB\n",
                     perf.dram_read_bytes / 1e6, perf.dram_write_bytes / 1e6);
  out += fmt::format("energy          {:.3f} uJ per inference\n", energy / 1e6);
  for (const models::EnergyComponent& c : models::EnergyComponents()) {
    const double pj = perf.energy.*c.field;
    out +=
        fmt::format("  {:<16} {:>12.3f} uJ {:>6.1f} %\n", c.label, pj / 1e6, Percent(pj, energy));
  }
  out += fmt::format("efficiency      {:.3f} TOPS/W\n", perf.tops_per_watt);
  if (t.block) {
    const models::DecoderBlockConfig& b = *t.block;
    const bool decode = b.phase == models::DecoderPhase::kDecode;
    const sim::LlmMetrics m = sim::ComputeLlmMetrics(perf, b, a.clock_mhz * 1e6);
    const std::string blocks =
        models::DecoderModelScope(b) + (b.JustTheBlock() ? "" : ", one after another");
    models::DecoderBlockConfig run = b;  // what the run itself holds
    run.blocks = 1;
    // An infeasible run has no figures: "-" where they would be.
    auto figure = [&m](const char* spec, double v) {
      return m.ok ? fmt::format(fmt::runtime(spec), v) : std::string("-");
    };
    const std::string sequences =
        b.batch > 1 ? fmt::format("{} sequences, each ", b.batch) : std::string();
    out += decode
               ? fmt::format(
                     "phase           decode: {}1 new token over {} positions (KV "
                     "cache of {} tokens{}{})\n",
                     sequences, b.Positions(), b.context,
                     b.kv_format ? ", stored in " + models::QuantCodeName(*b.kv_format) : "",
                     b.kv_bits > 0
                         ? fmt::format("{} at {} bits", b.kv_format ? ", read" : "", b.kv_bits)
                         : "")
               : fmt::format(
                     "phase           prefill: {}{} new tokens, time to first token "
                     "{} ms{}\n",
                     sequences, b.SequenceTokens(), figure("{:.4f}", m.time_to_first_token_s * 1e3),
                     b.JustTheBlock() ? "" : " (" + blocks + ")");
    out += fmt::format("tokens          {} tokens/s, {} mJ/token ({})\n",
                       figure("{:.2f}", m.tokens_per_s), figure("{:.6f}", m.joules_per_token * 1e3),
                       blocks);
    out += fmt::format(
        "DRAM-bound      {} % of the cycles ({} cycles in layers whose DRAM "
        "time exceeds their compute and post-processing time{})\n",
        figure("{:.1f}", 100.0 * m.dram_bound_fraction),
        m.ok ? std::to_string(m.dram_bound_cycles) : std::string("-"),
        b.JustTheBlock() ? "" : ", in " + models::DecoderModelScope(run));
  }
  const models::AreaBreakdown& ar = perf.area;
  const double area = ar.Total();
  out += fmt::format("area            {:.4f} mm2\n", area / 1e6);
  for (const models::AreaComponent& c : models::AreaComponents()) {
    if (c.in_total) {
      const double um2 = ar.*c.field;
      out += fmt::format("  {:<34} {:>10.4f} mm2 {:>6.1f} %\n", c.label + AreaDetail(c, a, ar),
                         um2 / 1e6, Percent(um2, area));
    }
  }
  if (ar.rtl_mac) {
    out += fmt::format(
        "  MAC from RTL synthesis: {} cells ({}), {:.2f} x the 8-bit MAC{} (rtl/synth, {})\n",
        ar.rtl_mac->cells, ar.rtl_mac->config, ar.rtl_mac->relative_to_int8,
        ar.rtl_mac->exact ? "" : ", nearest accumulator", ar.rtl_mac->tool);
  }
  if (perf.acc_too_narrow_layers > 0) {
    out +=
        fmt::format("accumulator     {} layer(s) marked ACC! may overflow the {}-bit accumulator\n",
                    perf.acc_too_narrow_layers, a.mac.accumulator.bits);
  }
  out += WarningsText(s);
  if (!perf.ok()) {
    out += fmt::format("status          INFEASIBLE: {}\n", perf.status);
  }
  return out;
}

std::string CompileSummary(const compiler::Schedule& s, const Target& t) {
  std::string out = fmt::format("{} on {} ({} x {} {}), objective {}\n", s.network, s.arch,
                                t.arch.rows, t.arch.cols, models::DataflowName(t.arch.dataflow),
                                compiler::ObjectiveName(s.objective));
  const ColumnWidths w = LayerColumnWidths(s);
  auto row = [&](const std::string& name, const std::string& op, const std::string& gemm,
                 const std::string& tile, const std::string& pack, const std::string& searched,
                 const std::string& feasible, const std::string& note) {
    std::string r =
        fmt::format("{:<{}}  {:<{}}  {:>{}}  {:<{}}  {:>4}  {:>8}  {:>8}  {}", name, w.name, op,
                    w.op, gemm, w.gemm, tile, w.tile, pack, searched, feasible, note);
    out += TrimRight(std::move(r)) + "\n";
  };
  row("layer", "op", "M x K x N", "tile m/k/n order", "pack", "searched", "feasible", "notes");
  for (const LayerSchedule& l : s.layers) {
    const bool gemm = l.kind == LayerKind::kGemm;
    std::string note =
        l.ok() ? (gemm ? "" : compiler::LayerKindName(l.kind)) : "INFEASIBLE: " + l.status;
    if (!l.warnings.empty()) {
      note += (note.empty() ? "" : "; ") + std::string("warning (below)");
    }
    row(l.name, l.op, GemmText(l), TileText(l), gemm ? std::to_string(l.pack) : "-",
        gemm ? std::to_string(l.candidates) : "-",
        gemm ? std::to_string(l.feasible_candidates) : "-", note);
  }
  out += WarningsText(s);
  return out;
}

}  // namespace quasar::report
