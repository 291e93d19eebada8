#include "target.h"

#include <fmt/core.h>

#include <string>

#include "quasar/models/cost/energy.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/error.h"
#include "quasar/models/text_file.h"

namespace quasar::cli {

void AddTargetOptions(CLI::App* cmd, TargetOptions* o) {
  cmd->add_option("--arch", o->arch,
                  "Accelerator: a preset of workloads/accelerators (e.g. edge_32x32_os) or an "
                  "architecture .yaml file")
      ->required();
  AddNetOptions(cmd, &o->net, true);
  o->objective_option =
      cmd->add_option("--objective", o->objective,
                      "What the mapper minimizes per layer: cycles, energy or edp "
                      "(energy x delay)")
          ->capture_default_str();
  AddSearchOption(cmd, &o->search);
  cmd->add_option("--conventions", o->conventions,
                  "Overrides the accelerator's `conventions`: quasar, or scalesim (SCALE-Sim "
                  "v2's whole-layer folds and cycle counts, analytical backend only; "
                  "docs/scalesim.md)")
      ->check(CLI::IsMember({models::ConventionsName(models::Conventions::kQuasar),
                             models::ConventionsName(models::Conventions::kScaleSim)}));
}

void AddSearchOption(CLI::App* cmd, std::string* search) {
  cmd->add_option("--search", *search,
                  "The mapper's search: refined (fast, then a descent over every tile count's "
                  "extents that moves or trades tile extents), fast (the maximal tilings and "
                  "largest fits, a sweep's default), dense (every tile count's extents; seconds "
                  "per network, docs/analytical-model.md) or maximal (the search of earlier "
                  "versions)")
      ->check(CLI::IsMember({"maximal", "fast", "refined", "dense"}))
      ->capture_default_str();
}

compiler::MapperSearch SearchOption(const std::string& search) {
  return *compiler::ParseMapperSearch(search);
}

void WriteReport(const std::string& text, const std::string& out, const std::string& format,
                 const std::string& tag) {
  if (out.empty()) {
    fmt::print("{}", text);
    return;
  }
  WriteTextFile(out, text, "--out");
  fmt::print(stderr, "[{}] {} report written to {}\n", tag, format, out);
}

void AttachRtlArea(const models::ArchSpec& arch, models::AreaBreakdown* area) {
  try {
    models::AttachRtlMacArea(arch, models::DefaultRtlMacCellsPath(), area);
  } catch (const InputError& e) {
    fmt::print(stderr, "note: no RTL MAC area: {}\n", e.what());
  }
}

compiler::Objective ParseObjectiveOption(const std::string& value) {
  const auto obj = compiler::ParseObjective(value);
  if (!obj) {
    throw InputError("--objective must be one of cycles, energy, edp, got '" + value + "'");
  }
  return *obj;
}

Target LoadTarget(const TargetOptions& o) {
  Target t;
  const std::string arch_path = ResolveArchPath(o.arch);
  t.arch = models::LoadArchSpec(arch_path);
  if (!o.conventions.empty()) {
    t.arch.conventions = *models::ParseConventions(o.conventions);
  }
  t.table = models::LoadArchCostTable(t.arch);
  t.net = LoadNetworkWithOptions(o.net);
  t.block = DecoderConfig(o.net.net, o.net.decoder);
  return t;
}

void CheckScheduleMatches(const compiler::Schedule& s, const Target& t, const std::string& where) {
  const std::string why = compiler::ScheduleMismatch(s, t.net, t.arch);
  if (!why.empty()) {
    throw InputError("--schedule " + where + ": " + why +
                     " (compile the schedule for this network, these options and this "
                     "accelerator)");
  }
}

}  // namespace quasar::cli
