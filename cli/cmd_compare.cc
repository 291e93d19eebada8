// `quasar compare`: one network at several precisions, side by side (docs/compare.md). For each
// precision (the policy's first/last-layer rule applied), the analytical model on the same
// accelerator and on an iso-area one (a narrower MAC is smaller, so more PEs fit the same PE-array
// area), and the fidelity of a golden run against the float network: latency, inferences/s,
// effective TOPS, utilization, energy per inference with its breakdown, TOPS/W, area, DRAM
// traffic, the accumulator width needed and the output SQNR. Table, JSON or CSV, and plots
// (energy breakdown bars, latency vs energy) drawn by gnuplot.

#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "image_progress.h"
#include "net_common.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/error.h"
#include "quasar/report/compare.h"
#include "quasar/report/compare_plots.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/explore/backend_eval.h"
#include "quasar/sim/explore/compare.h"
#include "target.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

using sim::explore::ComparisonColumn;

struct CompareOptions {
  NetOptions net;
  std::string arch = "bitfusion_16x32";
  std::vector<std::string> precisions = {"w8a8", "w4a4", "w2a2", "w1a1"};
  std::string view = "both", scaling = "arch", objective = "cycles";
  std::string format = "table", out, plots, json;
  bool no_fidelity = false;
  std::string backend = "analytical";
  DataOptions data;
  std::vector<std::string> qat;  // PRECISION=MODEL
  int threads = 0;
};

// --qat w4a4=model.onnx,...: the quantization-aware-trained model of each precision.
std::map<std::string, std::string> ParseQat(const std::vector<std::string>& values,
                                            const std::vector<std::string>& precisions) {
  std::map<std::string, std::string> out;
  for (const std::string& v : values) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      throw InputError("--qat takes PRECISION=MODEL (e.g. w4a4=lenet5_w4a4.onnx), got '" + v + "'");
    }
    const std::string p = v.substr(0, eq);
    if (std::find(precisions.begin(), precisions.end(), p) == precisions.end()) {
      throw InputError("--qat " + v + ": '" + p + "' is not one of --precisions");
    }
    if (!out.emplace(p, v.substr(eq + 1)).second) {
      throw InputError("--qat names precision '" + p + "' twice");
    }
  }
  return out;
}

ComparisonColumn Evaluate(const std::string& precision, const std::string& view,
                          const models::ArchSpec& arch, const models::CostTable& table,
                          const models::NetworkSpec& net, compiler::Objective objective,
                          const std::optional<sim::explore::Fidelity>& f,
                          const sim::BackendInfo& backend, const NetOptions& no) {
  ComparisonColumn c;
  c.precision = precision;
  c.view = view;
  c.arch = arch;
  const compiler::Schedule s = sim::Compile(net, arch, table, objective);
  c.perf = sim::explore::RunOnBackend(backend, s, arch, table, net, no.seed, no.calib_samples);
  AttachRtlArea(arch, &c.perf.area);
  if (f) {
    c.output_sqnr_db = f->output_sqnr_db;
    c.output_sqnr_p5_db = f->output_sqnr_p5_db;
    c.required_acc_bits = f->required_acc_bits;
    c.overflow_events = f->overflow_events;
  }
  return c;
}

// Fills the accuracy of a column pair on data: the SQNR and accumulator rows then describe the
// test set, not one synthetic input.
void SetAccuracy(const sim::explore::AccuracySummary& ptq,
                 const std::optional<sim::explore::AccuracySummary>& qat,
                 std::vector<ComparisonColumn*> cols) {
  for (ComparisonColumn* c : cols) {
    c->ptq = ptq;
    c->qat = qat;
    c->output_sqnr_db = ptq.sqnr_mean_db;
    c->output_sqnr_p5_db = ptq.sqnr_p5_db;
    c->required_acc_bits = ptq.required_acc_bits;
    c->overflow_events = ptq.overflow_events;
  }
}

int CompareColumns(const CompareOptions& o);

int Compare(const CompareOptions& o) {
  try {
    return CompareColumns(o);
  } catch (const sim::explore::BackendMismatch& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitMismatch;
  }
}

int CompareColumns(const CompareOptions& o) {
  if (!o.net.bits.empty()) {
    throw InputError("compare takes its precisions from --precisions, not --bits");
  }
  const compiler::Objective objective = ParseObjectiveOption(o.objective);
  // --scaling changes the same array only; the iso-area budget is the file's PE array.
  const models::ArchSpec file_arch = models::LoadArchSpec(ResolveArchPath(o.arch));
  models::ArchSpec base = file_arch;
  if (o.scaling != "arch") {
    base.mac.scaling = *models::ParsePrecisionScaling(o.scaling);
  }
  const models::CostTable table = models::LoadArchCostTable(file_arch);
  const sim::BackendInfo& backend = sim::BuiltinBackends().Get(o.backend);
  const std::map<std::string, std::string> qat = ParseQat(o.qat, o.precisions);
  if (o.data.data.empty() && (!qat.empty() || o.data.images > 0)) {
    throw InputError("--qat and --images need --data: accuracy is measured on labelled data");
  }
  if (!o.data.data.empty() && o.no_fidelity) {
    throw InputError("--data measures accuracy; --no-fidelity skips it: give one of them");
  }
  std::optional<models::Dataset> data;
  models::AccuracyOptions accuracy;
  if (!o.data.data.empty()) {
    data = LoadDataWithOptions(o.data, o.net);
    accuracy.images = o.data.images;
    accuracy.threads = o.threads;
  }
  std::vector<ComparisonColumn> same, iso;
  std::optional<std::string> fidelity_note;
  std::optional<models::RtlMacCells> rtl_cells;
  if (o.view != "same-array") {
    try {
      rtl_cells = models::LoadRtlMacCells(models::DefaultRtlMacCellsPath());
    } catch (const InputError& e) {
      fmt::print(stderr, "[compare] note: no RTL-sized iso-area rows: {}\n", e.what());
    }
  }
  for (const std::string& p : o.precisions) {
    NetOptions no = o.net;
    no.bits = p;
    const models::NetworkSpec net = LoadNetworkWithOptions(no);
    std::optional<sim::explore::Fidelity> f;
    std::optional<sim::explore::AccuracySummary> ptq, qat_acc;
    if (data) {
      accuracy.progress = ImageProgress(p + " PTQ");
      ptq = sim::explore::MeasureAccuracy(net, *data, base.mac.accumulator, accuracy);
      if (auto it = qat.find(p); it != qat.end()) {
        NetOptions qo;  // the model fixes its own quantization: no option applies
        qo.net = it->second;
        qo.input_shapes = o.net.input_shapes;
        accuracy.progress = ImageProgress(p + " QAT");
        qat_acc = sim::explore::MeasureAccuracy(LoadNetworkWithOptions(qo), *data,
                                                base.mac.accumulator, accuracy);
      }
    } else if (!o.no_fidelity) {
      fmt::print(stderr, "[compare] {}: quantizing, golden and float runs\n", p);
      f = sim::explore::MeasureFidelity(net, o.net.seed, o.net.calib_samples, base.mac.accumulator);
      fidelity_note = fmt::format(
          "fidelity: output SQNR against the float network over {} held-out {} input{}{}",
          f->inputs, f->inputs > 1 ? "synthetic" : "evaluation", f->inputs > 1 ? "s" : "",
          f->synthetic_weights
              ? fmt::format("; the weights are synthetic (seed {}), so SQNR compares precisions "
                            "but says nothing of accuracy (--data measures it on a trained "
                            "network, docs/accuracy.md)",
                            o.net.seed)
              : "");
    }
    if (o.view != "iso-area") {
      same.push_back(Evaluate(p, "same-array", base, table, net, objective, f, backend, o.net));
    }
    if (o.view != "same-array") {
      const sim::explore::MacWidths widths = sim::explore::NetworkMacWidths(net);
      const models::ArchSpec arch = sim::explore::IsoAreaArch(file_arch, table, widths);
      iso.push_back(Evaluate(p, "iso-area", arch, table, net, objective, f, backend, o.net));
      if (rtl_cells) {
        if (const auto rtl_arch =
                sim::explore::IsoAreaArchByRtl(file_arch, table, widths, *rtl_cells)) {
          const compiler::Schedule s = sim::Compile(net, *rtl_arch, table, objective);
          // The analytical model's latency (the timing reference), whatever --backend is.
          const sim::NetworkPerf perf = sim::EvaluateSchedule(s, *rtl_arch, table);
          iso.back().rtl_sized_pes = rtl_arch->PeCount();
          if (perf.ok()) {
            iso.back().rtl_sized_latency_s = perf.latency_s;
          }
        }
      }
      const int w_bits = net.policy.weights.StorageType().bits;
      const int a_bits = net.policy.activations.StorageType().bits;
      if (widths.w_bits > w_bits || widths.a_bits > a_bits) {
        iso.back().note = fmt::format(
            "its array is sized for {}x{}-bit operands, not {}x{}: layers kept wider (the "
            "first/last-layer rule, --first-last-bits) run on every PE, so this column shows the "
            "density of the widest layers' MAC",
            widths.w_bits, widths.a_bits, w_bits, a_bits);
      }
    }
    if (ptq) {
      std::vector<ComparisonColumn*> cols;
      if (o.view != "iso-area") {
        cols.push_back(&same.back());
      }
      if (o.view != "same-array") {
        cols.push_back(&iso.back());
      }
      SetAccuracy(*ptq, qat_acc, cols);
    }
  }
  report::Comparison cmp;
  cmp.base = base;
  cmp.precisions = o.precisions;
  cmp.fidelity_note = fidelity_note;
  cmp.data = data ? &*data : nullptr;
  cmp.same = std::move(same);
  cmp.iso = std::move(iso);
  cmp.iso_pe_array_mm2 = models::PriceArea(file_arch, table).pe_array / 1e6;
  if (!cmp.iso.empty() && rtl_cells) {
    cmp.iso_area_sources = report::IsoAreaSources(file_arch, table, *rtl_cells);
  }
  const std::string net_name = cmp.Network();
  if (!o.json.empty()) {
    WriteReport(report::ComparisonJson(cmp).dump(2) + "\n", o.json, "json", "compare");
  }
  const std::string text = o.format == "json"  ? report::ComparisonJson(cmp).dump(2) + "\n"
                           : o.format == "csv" ? report::ComparisonCsv(cmp)
                                               : report::ComparisonTable(cmp);
  WriteReport(text, o.out, o.format, "compare");
  std::fflush(stdout);  // the report before the plots' messages on stderr
  if (!o.plots.empty()) {
    report::WriteComparePlots(o.plots, net_name, base.name, cmp.same, cmp.iso);
  }
  return 0;
}

}  // namespace

Command AddCompareCommand(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "One network at several precisions side by side: latency, energy, area, TOPS/W and "
      "fidelity (SQNR vs float), on the same array and on iso-area arrays");
  AddNetOptions(cmd, &o->net, true);
  cmd->add_option("--arch", o->arch, "Accelerator: a preset name or an architecture .yaml file")
      ->capture_default_str();
  cmd->add_option("--precisions", o->precisions,
                  "Comma-separated --bits shorthands: w8a8, w4a4, w2a2, w1a1, wta8, ...")
      ->capture_default_str();
  cmd->add_option("--view", o->view, "same-array, iso-area or both")
      ->check(CLI::IsMember({"same-array", "iso-area", "both"}))
      ->capture_default_str();
  cmd->add_option("--scaling", o->scaling,
                  "Precision scaling of the same array: arch (as the file says), none, bit_fusion")
      ->check(CLI::IsMember({"arch", "none", "bit_fusion"}))
      ->capture_default_str();
  cmd->add_option("--objective", o->objective, "What the mapper minimizes: cycles, energy, edp")
      ->capture_default_str();
  cmd->add_option("--backend", o->backend,
                  "A backend of `quasar backends`; one that moves values is checked against the "
                  "golden reference for every column (exit 4 on a disagreement)")
      ->check(CLI::IsMember(sim::BuiltinBackends().Names()))
      ->capture_default_str();
  AddDataOptions(cmd, &o->data);
  cmd->add_option("--qat", o->qat,
                  "With --data: PRECISION=MODEL pairs (comma-separated), the model trained with "
                  "quantization at that precision (QDQ or QONNX .onnx), for the top-1 QAT row");
  cmd->add_option("--threads", o->threads, "With --data: worker threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--no-fidelity", o->no_fidelity,
                "Skip the golden and float runs (no SQNR, no accumulator width)");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write the report to this file instead of stdout")
      ->check(OutputFile());
  cmd->add_option("--json", o->json, "Also write the JSON report to this file")
      ->check(OutputFile());
  cmd->add_option("--plots", o->plots,
                  "Write plots to this directory: energy breakdown bars and latency vs energy "
                  "(SVG, drawn by gnuplot; the .dat and .gp files are written in any case)")
      ->check(OutputDir());
  return [o]() {
    o->precisions = ListItems("--precisions", o->precisions, "w8a8,w4a4");
    if (!o->qat.empty()) {
      o->qat = ListItems("--qat", o->qat, "w4a4=lenet5_w4a4.onnx");
    }
    return Compare(*o);
  };
}

}  // namespace quasar::cli
