// `quasar arch`: the accelerator format's fields (the key table of docs/arch-format.md, from
// the one declaration the parser, writer and sweeps read), and an accelerator resolved with
// every default written out.

#include <fmt/core.h>

#include <memory>

#include "commands.h"
#include "net_common.h"
#include "quasar/models/error.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::cli {

Command AddArchCommand(CLI::App& app) {
  struct Options {
    std::string arch;
    bool fields = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "arch",
      "Print an accelerator with every key explicit (--arch), or the format's fields with "
      "their units, ranges and defaults (--fields, Markdown)");
  cmd->add_option("--arch", o->arch, "Accelerator preset name or YAML path");
  cmd->add_flag("--fields", o->fields, "The accelerator format's key table (Markdown)");
  return [o]() {
    if (o->fields == !o->arch.empty()) {
      throw InputError("give one of --arch or --fields");
    }
    if (o->fields) {
      fmt::print("{}", models::ArchFieldsMarkdown());
    } else {
      fmt::print("{}", models::ArchSpecToYaml(models::LoadArchSpec(ResolveArchPath(o->arch))));
    }
    return 0;
  };
}

}  // namespace quasar::cli
