// `quasar verify`: runs a network through the SystemC cycle model with the project's RTL in
// place of the C++ PE array, compiled by Verilator, and checks every output element against
// the golden reference (docs/verify.md). `--rtl array` uses the Verilated systolic array built
// for the accelerator's parameters; `--rtl mac` keeps the C++ PE registers and computes every
// multiply-accumulate with Verilated MAC units (any array size whose MAC was built). Exit 4 on
// any mismatch, 3 when a layer cannot run on the accelerator.
//
// `quasar rtl-params`: the RTL parameters an architecture implies (the Verilator -G values to
// build a model for it) and the models built into this program.

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "cycle_check.h"
#include "format_verify.h"
#include "layer_outputs.h"
#include "output_paths.h"
#include "quasar/models/error.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/text_file.h"
#include "quasar/report/verify.h"
#include "quasar/rtl/params.h"
#include "quasar/sim/analytical.h"
#include "quasar/sim/backends.h"
#include "quasar/sim/rtl/rtl_models.h"
#include "target.h"
#include "timing.h"

namespace quasar::cli {
namespace {

namespace rtl = quasar::rtl;
using sim::rtl::RtlKind;
using sim::rtl::RtlModelInfo;

struct VerifyOptions {
  TargetOptions target;
  std::vector<std::string> layers;
  std::string rtl = "array", trace, format = "table", out, save_outputs, stuck_at;
  std::string backend;
  bool timing = false;
  CLI::Option* rtl_option = nullptr;  // to tell an explicit --rtl from the default
  CLI::Option* backend_option = nullptr;
  CLI::Option* layers_option = nullptr;
};

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

// "PE:BIT" of --stuck-at.
std::pair<int64_t, int> ParseStuckAt(const std::string& s, const models::ArchSpec& arch) {
  const size_t colon = s.find(':');
  try {
    if (colon != std::string::npos) {
      size_t used = 0, used_bit = 0;
      const int64_t pe = std::stoll(s.substr(0, colon), &used);
      const int bit = std::stoi(s.substr(colon + 1), &used_bit);
      if (used == colon && used_bit == s.size() - colon - 1 && pe >= 0 && pe < arch.PeCount() &&
          bit >= 0 && bit < arch.mac.accumulator.bits) {
        return {pe, bit};
      }
    }
  } catch (const std::exception&) {
  }
  throw InputError("--stuck-at: expected PE:BIT with PE in 0.." +
                   std::to_string(arch.PeCount() - 1) + " (row * cols + col) and BIT in 0.." +
                   std::to_string(arch.mac.accumulator.bits - 1) + ", got '" + s + "'");
}

// The backend --rtl or --backend names.
const sim::BackendInfo& VerifyBackend(const VerifyOptions& o) {
  if (o.backend_option->count() > 0 && o.rtl_option->count() > 0) {
    throw InputError("--rtl and --backend both choose the backend: give one");
  }
  if (o.backend_option->count() == 0) {
    for (const sim::BackendInfo& b : sim::BuiltinBackends().All()) {
      if (b.rtl_mode == o.rtl) {
        return b;
      }
    }
    throw InputError("--rtl " + o.rtl + ": no backend of this build runs it");
  }
  const sim::BackendInfo& info = sim::BuiltinBackends().Get(o.backend);
  if (!info.moves_values) {
    throw InputError("--backend " + o.backend +
                     " moves no values: verify needs a backend that computes the outputs");
  }
  return info;
}

int Verify(const VerifyOptions& o) {
  RefuseUselessTiming(o.timing, o.format == "json" ? "" : "it adds the wall time to the JSON "
                                                          "report (--format json)");
  const Target t = LoadTarget(o.target);
  const sim::BackendInfo& info = VerifyBackend(o);
  const bool rtl_array = info.rtl_mode == "array";
  if (!rtl_array && (!o.trace.empty() || !o.stuck_at.empty())) {
    throw InputError(std::string(o.trace.empty() ? "--stuck-at" : "--trace") +
                     " needs --rtl array (the waveform and the fault are the array's)");
  }
  const std::unique_ptr<sim::Backend> backend = info.make();
  CycleOptionsCli c;
  c.save_outputs = o.save_outputs;
  c.run.array_layers.insert(o.layers.begin(), o.layers.end());
  c.run.rtl_trace_path = o.trace;
  backend->Check(t.arch, c.run);  // the RTL model and the trace path
  for (const std::string& name : o.layers) {  // before minutes of quantization, not after
    bool found = false;
    for (const models::NetLayer& l : t.net.layers) {
      found = found || l.name == name;
    }
    if (!found) {
      throw InputError("--layers: no layer named '" + name + "' in network " + t.net.name);
    }
  }
  if (!o.stuck_at.empty()) {
    c.run.stuck_at = ParseStuckAt(o.stuck_at, t.arch);
  }
  const std::string& mode = info.rtl_mode;  // empty for a backend without RTL
  const RtlModelInfo* model = mode == "array" ? sim::rtl::FindArrayFor(t.arch)
                              : mode == "mac" ? sim::rtl::FindMacBankFor(t.arch)
                                              : nullptr;
  report::VerifySubject subject;
  subject.network = t.net.name;
  subject.arch = t.arch.name;
  if (model != nullptr) {
    subject.rtl = report::VerifyRtl{mode, model->name, model->preset, model->verilator_args};
  }
  subject.backend = info.name;
  subject.stuck_at = c.run.stuck_at;
  if (models::NeedsEmulation(t.net)) {
    // The golden integer path does not run these formats: check their GEMMs (format_verify.h).
    if (!o.save_outputs.empty()) {
      throw InputError("--save-outputs: network " + t.net.name +
                       " is in a number format, whose check compares each layer's GEMMs and "
                       "writes no layer outputs");
    }
    fmt::print(stderr, "[verify] {} on {} with {}{}\n", t.net.name, t.arch.name,
               backend->Title(t.arch), o.layers.empty() ? "" : ", layers " + Join(o.layers, ","));
    return VerifyNumberFormats(t, o.target, *backend, c.run, subject,
                               {c.run.array_layers, o.format, o.out, o.timing});
  }
  const compiler::Schedule s =
      sim::Compile(t.net, t.arch, t.table, ParseObjectiveOption(o.target.objective),
                   SearchOption(o.target.search));
  for (const compiler::LayerSchedule& l : s.layers) {
    for (const std::string& name : o.layers) {
      if (l.name == name && l.kind != compiler::LayerKind::kGemm) {
        fmt::print(stderr,
                   "[verify] note: layer {} ({}) does not run on the PE array; its check covers "
                   "the post-processing unit, not the RTL\n",
                   name, l.op);
      }
    }
  }
  const sim::NetworkPerf perf = sim::EvaluateSchedule(s, t.arch, t.table);
  if (!perf.ok()) {
    fmt::print(stderr, "infeasible: {}\n", perf.status);
    return kExitInfeasible;
  }
  const std::string title = backend->Title(t.arch);
  fmt::print(stderr, "[verify] {} on {} with {}{}\n", t.net.name, t.arch.name, title,
             o.layers.empty() ? "" : ", layers " + Join(o.layers, ","));
  const CycleResult r = RunCheckedBackend(*backend, s, t, o.target, c, perf);
  if (!o.trace.empty()) {
    // The VCD opens when the RTL array first runs a layer.
    fmt::print(stderr, "[verify] {}\n",
               PathExists(o.trace)
                   ? "RTL waveform written to " + o.trace
                   : "no layer ran on the RTL array: no waveform written to " + o.trace);
  }
  const std::string text = o.format == "json"
                               ? report::VerifyJson(subject, r, o.timing).dump(2) + "\n"
                               : report::VerifyTable(subject, r);
  WriteReport(text, o.out, o.format, "verify");
  if (const std::string failure = report::CheckFailure(r); !failure.empty()) {
    fmt::print(stderr, "error: {}\n", failure);
    return kExitMismatch;
  }
  return 0;
}

struct ParamsOptions {
  std::string arch;
  bool list = false;
};

int RtlParams(const ParamsOptions& o) {
  if (o.list || o.arch.empty()) {
    size_t w = 5;  // the name column: the longest name
    for (const RtlModelInfo& m : sim::rtl::BuiltModels()) {
      w = std::max(w, m.name.size());
    }
    fmt::print("{:<{}} {:<6} {:<44} {}\n", "model", w, "kind", "preset", "verilator args");
    for (const RtlModelInfo& m : sim::rtl::BuiltModels()) {
      fmt::print("{:<{}} {:<6} {:<44} {}\n", m.name, w, m.kind == RtlKind::kArray ? "array" : "mac",
                 m.preset.empty() ? "-" : m.preset, m.verilator_args);
    }
    if (o.arch.empty()) {
      return 0;
    }
  }
  const models::ArchSpec arch = models::LoadArchSpec(ResolveArchPath(o.arch));
  const rtl::ArrayParams p = rtl::ArrayParamsFor(arch);
  const RtlModelInfo* a = sim::rtl::FindArrayFor(arch);
  const RtlModelInfo* b = sim::rtl::FindMacBankFor(arch);
  fmt::print("architecture {} ({})\n", arch.name, arch.file);
  fmt::print("array    -G: {}\n", Join(rtl::VerilatorArgs(p), " "));
  fmt::print("MAC bank -G: {}\n", Join(rtl::VerilatorArgs(p.mac, 16), " "));
  fmt::print("built array for it:    {}\n", a ? a->name : "none");
  fmt::print("built MAC bank for it: {}\n", b ? b->name : "none");
  fmt::print("rtl/CMakeLists.txt lines to build one:\n");
  fmt::print("  quasar_rtl_array(<name> <preset.yaml> {})\n", Join(rtl::VerilatorArgs(p), " "));
  fmt::print("  quasar_rtl_mac_bank(mac_<name> <preset.yaml> {})\n",
             Join(rtl::VerilatorArgs(p.mac, 16), " "));
  return 0;
}

}  // namespace

Command AddVerifyCommand(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Run a network on the Verilated RTL inside the cycle model and check every output "
      "element against the golden reference; exit 4 on any mismatch");
  AddTargetOptions(cmd, &o->target);
  o->layers_option =
      cmd->add_option("--layers", o->layers,
                      "Run only these layers on the RTL and check them (comma-separated names; "
                      "the others run on the C++ array, and the run stops after the last)");
  o->rtl_option = cmd->add_option("--rtl", o->rtl,
                                  "array: the Verilated systolic array (backend "
                                  "systemc-rtl-array); mac: the C++ array's registers around "
                                  "Verilated MAC units (systemc-rtl-mac)")
                       ->check(CLI::IsMember({"array", "mac"}))
                       ->capture_default_str();
  o->backend_option =
      cmd->add_option("--backend", o->backend,
                      "Check this backend of `quasar backends` instead (one that moves values)")
          ->check(CLI::IsMember(sim::BuiltinBackends().Names()));
  cmd->add_option("--trace", o->trace, "Write a VCD waveform of every RTL signal (for GTKWave)")
      ->check(OutputFile());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Write the report to this file instead of stdout")
      ->check(OutputFile());
  AddSaveOutputsOption(cmd, &o->save_outputs, "Write every layer's output to DIR/<layer>.npy");
  AddTimingOption(cmd, &o->timing);
  cmd->add_option("--stuck-at", o->stuck_at,
                  "Fault injection, to test the check: PE:BIT (PE = row * cols + col) makes that "
                  "bit of the PE's partial-sum register stuck at 1");
  return [o]() {
    if (o->layers_option->count() > 0) {
      o->layers = ListItems("--layers", o->layers, "c3,f6");
    }
    return Verify(*o);
  };
}

Command AddRtlParamsCommand(CLI::App& app) {
  auto o = std::make_shared<ParamsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rtl-params",
      "Print the RTL parameters (Verilator -G values) an architecture implies, and the RTL "
      "models built into this program");
  cmd->add_option("--arch", o->arch, "Accelerator preset name or YAML path");
  cmd->add_flag("--list", o->list, "List the built-in RTL models");
  return [o]() { return RtlParams(*o); };
}

}  // namespace quasar::cli
