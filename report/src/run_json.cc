// The machine-readable forms of the run report: JSON, and CSV flattened from the same layer
// objects (docs/run-output.md).

#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

#include "quasar/models/cost/energy.h"
#include "quasar/report/run.h"
#include "quasar/report/text.h"
#include "quasar/sim/core/llm_metrics.h"

namespace quasar::report {

using compiler::LayerKind;
using compiler::LayerSchedule;
using Json = nlohmann::ordered_json;

namespace {

std::string Status(const std::string& reason) { return reason.empty() ? "ok" : "infeasible"; }

Json EventsJson(const models::EventCounts& e, bool with_widths) {
  Json j;
  j["macs"] = e.macs;
  j["mac_a_bits"] = with_widths ? Json(e.mac_a_bits) : Json();
  j["mac_w_bits"] = with_widths ? Json(e.mac_w_bits) : Json();
  j["acc_bits"] = with_widths ? Json(e.acc_bits) : Json();
  j["binary"] = with_widths ? Json(e.binary) : Json();
  j["mac_w_group"] = with_widths ? Json(e.mac_w_group) : Json();
  j["pe_cycles"] = e.pe_cycles;
  j["register_bit_writes"] = e.register_bit_writes;
  j["input_reads"] = e.input_reads;
  j["input_writes"] = e.input_writes;
  j["weight_reads"] = e.weight_reads;
  j["weight_writes"] = e.weight_writes;
  j["output_reads"] = e.output_reads;
  j["output_writes"] = e.output_writes;
  j["dram_read_bytes"] = e.dram_read_bytes;
  j["dram_write_bytes"] = e.dram_write_bytes;
  j["post_multiplies"] = e.post_multiplies;
  j["post_adds"] = e.post_adds;
  j["post_compare_bits"] = e.post_compare_bits;
  j["cycles"] = e.cycles;
  return j;
}

Json EnergyJson(const models::EnergyBreakdown& e) {
  Json j;
  for (const models::EnergyComponent& c : models::EnergyComponents()) {
    j[c.key] = e.*c.field;
  }
  j["total"] = e.Total();
  return j;
}

Json AreaJson(const models::AreaBreakdown& a) {
  Json j;
  for (const models::AreaComponent& c : models::AreaComponents()) {
    j[c.key] = a.*c.field;
  }
  j["total"] = a.Total();
  j["rtl_mac"] = a.rtl_mac ? Json{{"config", a.rtl_mac->config},
                                  {"cells", a.rtl_mac->cells},
                                  {"relative_to_int8", a.rtl_mac->relative_to_int8},
                                  {"exact", a.rtl_mac->exact},
                                  {"tool", a.rtl_mac->tool}}
                           : Json();
  return j;
}

Json LayerJson(const LayerSchedule& l, const sim::LayerPerf& p) {
  const bool gemm = l.kind == LayerKind::kGemm;
  Json j;
  j["name"] = p.name;
  j["op"] = p.op;
  j["kind"] = p.kind;
  j["status"] = Status(p.status);
  j["reason"] = p.status;
  j["gemm"] = gemm
                  ? Json{{"count", l.gemm.count}, {"m", l.gemm.m}, {"k", l.gemm.k}, {"n", l.gemm.n}}
                  : Json();
  j["tiling"] = gemm ? Json{{"m", l.tiling.m},
                            {"k", l.tiling.k},
                            {"n", l.tiling.n},
                            {"order", compiler::LoopOrderName(l.tiling.order)}}
                     : Json();
  j["pack"] = p.pack;
  j["cycles"] = p.cycles;
  j["compute_cycles"] = p.compute_cycles;
  j["stall_cycles"] = p.stall_cycles;
  j["dram_cycles"] = p.dram_cycles;
  j["post_cycles"] = p.post_cycles;
  j["tiles"] = p.tiles;
  j["folds"] = p.folds;
  j["mapped_pe_folds"] = p.mapped_pe_folds;
  j["utilization"] = p.utilization;
  j["mapping_efficiency"] = p.mapping_efficiency;
  j["required_acc_bits"] = p.required_acc_bits;
  j["acc_too_narrow"] = p.acc_too_narrow;
  j["candidates"] = l.candidates;
  j["feasible_candidates"] = l.feasible_candidates;
  j["warnings"] = l.warnings;
  j["events"] = EventsJson(p.events, true);
  j["energy_pj"] = EnergyJson(p.energy);
  return j;
}

// The TOTAL row of the CSV, shaped like a layer object: counts summed, widths empty.
Json TotalRowJson(const compiler::Schedule& s, const sim::NetworkPerf& perf,
                  const models::ArchSpec& arch) {
  models::EventCounts e;
  int64_t dram = 0, post = 0, tiles = 0, folds = 0, mapped = 0, cand = 0, feas = 0;
  int required = 0;
  for (size_t i = 0; i < perf.layers.size(); ++i) {
    const sim::LayerPerf& p = perf.layers[i];
    e.AddCounts(p.events);
    dram += p.dram_cycles, post += p.post_cycles, tiles += p.tiles, folds += p.folds;
    mapped += p.mapped_pe_folds;
    cand += s.layers[i].candidates, feas += s.layers[i].feasible_candidates;
    required = std::max(required, p.required_acc_bits);
  }
  Json j;
  j["name"] = "TOTAL";
  j["op"] = "";
  j["kind"] = "";
  j["status"] = Status(perf.status);
  j["reason"] = perf.status;
  j["gemm"] = Json();
  j["tiling"] = Json();
  j["pack"] = Json();
  j["cycles"] = perf.cycles;
  j["compute_cycles"] = perf.compute_cycles;
  j["stall_cycles"] = perf.stall_cycles;
  j["dram_cycles"] = dram;
  j["post_cycles"] = post;
  j["tiles"] = tiles;
  j["folds"] = folds;
  j["mapped_pe_folds"] = mapped;
  j["utilization"] = perf.utilization;
  j["mapping_efficiency"] =
      folds > 0 ? static_cast<double>(mapped) /
                      (static_cast<double>(folds) * static_cast<double>(arch.PeCount()))
                : 0.0;
  j["required_acc_bits"] = required;
  j["acc_too_narrow"] = perf.acc_too_narrow_layers;
  j["candidates"] = cand;
  j["feasible_candidates"] = feas;
  j["warnings"] = Json::array();
  j["events"] = EventsJson(e, false);
  j["energy_pj"] = EnergyJson(perf.energy);
  return j;
}

// Sub-keys of the objects that are null for layers without a GEMM.
const std::vector<std::string>& SubKeys(const std::string& key) {
  static const std::vector<std::string> gemm = {"count", "m", "k", "n"};
  static const std::vector<std::string> tiling = {"m", "k", "n", "order"};
  static const std::vector<std::string> none;
  return key == "gemm" ? gemm : key == "tiling" ? tiling : none;
}

std::string ColumnName(const std::string& key, const std::string& sub) {
  if (key == "energy_pj") {
    return "energy_" + sub + "_pj";
  }
  return (key == "tiling" ? std::string("tile") : key) + "_" + sub;
}

std::string Cell(const Json& v) {
  if (v.is_null()) {
    return "";
  }
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  }
  if (v.is_array()) {
    std::string s;
    for (const Json& x : v) {
      s += (s.empty() ? "" : "; ") + Cell(x);
    }
    return s;
  }
  return v.dump();
}

// Flattens a layer object into (column, cell) pairs in key order.
std::vector<std::pair<std::string, std::string>> Flatten(const Json& layer) {
  std::vector<std::pair<std::string, std::string>> cells;
  for (const auto& [key, v] : layer.items()) {
    if (v.is_object()) {
      for (const auto& [sub, x] : v.items()) {
        cells.emplace_back(ColumnName(key, sub), Cell(x));
      }
    } else if (v.is_null() && !SubKeys(key).empty()) {
      for (const std::string& sub : SubKeys(key)) {
        cells.emplace_back(ColumnName(key, sub), "");
      }
    } else {
      cells.emplace_back(key, Cell(v));
    }
  }
  return cells;
}

}  // namespace

Json RunJson(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t) {
  int64_t dram_cycles = 0, post_cycles = 0, infeasible = 0;
  for (const sim::LayerPerf& p : perf.layers) {
    dram_cycles += p.dram_cycles;
    post_cycles += p.post_cycles;
    infeasible += p.ok() ? 0 : 1;
  }
  Json j;
  j["network"] = perf.network;
  j["arch"] = perf.arch;
  j["arch_file"] = t.arch.file;
  j["technology"] = t.table.name;
  j["objective"] = compiler::ObjectiveName(s.objective);
  j["status"] = Status(perf.status);
  j["reason"] = perf.status;
  j["totals"] = {{"layers", perf.layers.size()},
                 {"infeasible_layers", infeasible},
                 {"acc_too_narrow_layers", perf.acc_too_narrow_layers},
                 {"cycles", perf.cycles},
                 {"compute_cycles", perf.compute_cycles},
                 {"stall_cycles", perf.stall_cycles},
                 {"dram_cycles", dram_cycles},
                 {"post_cycles", post_cycles},
                 {"macs", perf.macs},
                 {"dram_read_bytes", perf.dram_read_bytes},
                 {"dram_write_bytes", perf.dram_write_bytes},
                 {"clock_hz", t.arch.clock_mhz * 1e6},
                 {"latency_s", perf.latency_s},
                 {"inferences_per_s", perf.inferences_per_s},
                 {"effective_tops", perf.effective_tops},
                 {"peak_tops", perf.peak_tops},
                 {"utilization", perf.utilization},
                 {"energy_pj", perf.energy.Total()},
                 {"tops_per_watt", perf.tops_per_watt},
                 {"area_um2", perf.area.Total()}};
  if (t.block) {
    j["llm"] = LlmJson(*t.block, perf, t.arch.clock_mhz * 1e6);
  }
  j["energy_pj"] = EnergyJson(perf.energy);
  j["area_um2"] = AreaJson(perf.area);
  j["layers"] = Json::array();
  for (size_t i = 0; i < perf.layers.size(); ++i) {
    j["layers"].push_back(LayerJson(s.layers[i], perf.layers[i]));
  }
  return j;
}

Json LlmJson(const models::DecoderBlockConfig& block, const sim::NetworkPerf& perf,
             double clock_hz) {
  const bool decode = block.phase == models::DecoderPhase::kDecode;
  const sim::LlmMetrics m = sim::ComputeLlmMetrics(perf, block, clock_hz);
  Json j;
  j["block"] = models::DecoderFamilyName(block.family);
  j["phase"] = models::DecoderPhaseName(block.phase);
  j["batch"] = block.batch;
  j["new_tokens"] = m.tokens;
  j["blocks"] = m.blocks;
  j["lm_head"] = m.model_end;
  j["vocab"] = block.lm_head ? Json(block.dims.vocab) : Json();
  j["positions"] = block.Positions();
  j["context"] = decode ? Json(block.context) : Json();
  j["kv_bits"] = decode && block.kv_bits > 0 ? Json(block.kv_bits) : Json();
  j["kv_format"] =
      decode && block.kv_format ? Json(models::QuantCodeName(*block.kv_format)) : Json();
  // An infeasible run has no figures: null.
  auto figure = [&m](double v) { return m.ok ? Json(v) : Json(); };
  j["time_to_first_token_s"] = decode ? Json() : figure(m.time_to_first_token_s);
  j["tokens_per_s"] = figure(m.tokens_per_s);
  j["joules_per_token"] = figure(m.joules_per_token);
  j["dram_bound_cycles"] = m.ok ? Json(m.dram_bound_cycles) : Json();
  j["dram_bound_fraction"] = figure(m.dram_bound_fraction);
  j["lm_head_cycles"] = m.ok && m.model_end ? Json(m.end_cycles) : Json();
  return j;
}

std::string RunCsv(const compiler::Schedule& s, const sim::NetworkPerf& perf, const Target& t) {
  std::vector<Json> rows;
  for (size_t i = 0; i < perf.layers.size(); ++i) {
    rows.push_back(LayerJson(s.layers[i], perf.layers[i]));
  }
  rows.push_back(TotalRowJson(s, perf, t.arch));
  std::string out;
  bool header = true;
  for (const Json& r : rows) {
    std::vector<std::string> names, values;
    for (auto& [name, value] : Flatten(r)) {
      names.push_back(std::move(name));
      values.push_back(std::move(value));
    }
    if (header) {
      out += CsvLine(names);
      header = false;
    }
    out += CsvLine(values);
  }
  return out;
}

}  // namespace quasar::report
