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
#include "quasar/sim/explore/compare_run.h"
#include "target.h"
#include "output_paths.h"

namespace quasar::cli {
namespace {

struct CompareOptions {
  NetOptions net;
  std::string arch = "bitfusion_16x32";
  std::vector<std::string> precisions = {"w8a8", "w4a4", "w2a2", "w1a1"};
  std::string view = "both", scaling = "arch", objective = "cycles";
  std::string search = compiler::MapperSearchName(compiler::kDefaultMapperSearch);
  std::string format = "table", out, plots, json;
  bool no_fidelity = false;
  bool golden_formats = false;
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

int RunCompare(const CompareOptions& o);

int Compare(const CompareOptions& o) {
  try {
    return RunCompare(o);
  } catch (const sim::explore::BackendMismatch& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitMismatch;
  }
}

int RunCompare(const CompareOptions& o) {
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
  if (o.golden_formats && o.no_fidelity) {
    throw InputError(
        "--golden-formats chooses how fidelity is measured; --no-fidelity skips it: "
        "give one of them");
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
  std::optional<models::RtlMacCells> rtl_cells;
  if (o.view != "same-array") {
    try {
      rtl_cells = models::LoadRtlMacCells(models::DefaultRtlMacCellsPath());
    } catch (const InputError& e) {
      fmt::print(stderr, "[compare] note: no RTL-sized iso-area rows: {}\n", e.what());
    }
  }
  sim::explore::ComparePlan plan;
  plan.file_arch = file_arch;
  plan.base = base;
  plan.table = &table;
  plan.backend = &backend;
  plan.precisions = o.precisions;
  plan.same_array = o.view != "iso-area";
  plan.iso_area = o.view != "same-array";
  plan.objective = objective;
  plan.search = SearchOption(o.search);
  plan.seed = o.net.seed;
  plan.calib_samples = o.net.calib_samples;
  plan.fidelity = !o.no_fidelity;
  plan.golden_formats = o.golden_formats;
  plan.data = data ? &*data : nullptr;
  plan.accuracy = accuracy;
  plan.rtl_cells = rtl_cells ? &*rtl_cells : nullptr;
  sim::explore::CompareHooks hooks;
  hooks.load = [&](const std::string& p) {
    NetOptions no = o.net;
    no.bits = p;
    return LoadNetworkWithOptions(no);
  };
  hooks.load_qat = [&](const std::string& p) -> std::optional<models::NetworkSpec> {
    const auto it = qat.find(p);
    if (it == qat.end()) {
      return std::nullopt;
    }
    NetOptions qo;  // the model fixes its own quantization: no option applies
    qo.net = it->second;
    qo.input_shapes = o.net.input_shapes;
    return LoadNetworkWithOptions(qo);
  };
  hooks.step = [](const std::string& line) { fmt::print(stderr, "[compare] {}\n", line); };
  hooks.image_progress = ImageProgress;
  hooks.attach_area = AttachRtlArea;
  sim::explore::CompareColumns columns = sim::explore::ComparePrecisions(plan, hooks);
  report::Comparison cmp;
  cmp.base = base;
  cmp.precisions = o.precisions;
  cmp.fidelity_note = columns.fidelity_note;
  cmp.data = data ? &*data : nullptr;
  cmp.same = std::move(columns.same);
  cmp.iso = std::move(columns.iso);
  cmp.block = DecoderConfig(o.net.net, o.net.decoder);
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
  AddBlocksOption(cmd, &o->net.decoder);
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
  AddSearchOption(cmd, &o->search);
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
  cmd->add_flag("--golden-formats", o->golden_formats,
                "Measure the number formats (FP8, MX, weights per group) on their golden format "
                "run, every GEMM by its format kernel with exact sums, rather than on the float32 "
                "emulation (slower; docs/verify.md, \"Number formats\")");
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
