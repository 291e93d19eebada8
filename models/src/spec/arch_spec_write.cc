// ArchSpec -> version-1 YAML (docs/arch-format.md) with every key explicit, so a sweep can save
// the exact configuration it ran and ParseArchSpec reads it back unchanged. The keys, their order
// and their values come from the field table (arch_fields.h).

#include <yaml-cpp/yaml.h>

#include <string>
#include <variant>
#include <vector>

#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {
namespace {

// A map of leaves only is written in flow style ({rows: 4, cols: 4}), one holding maps as a
// block.
bool HasNestedMap(const std::string& path) {
  const std::string prefix = path + ".";
  for (const ArchField& f : ArchFields()) {
    if (f.key.compare(0, prefix.size(), prefix) == 0 &&
        f.key.find('.', prefix.size()) != std::string::npos) {
      return true;
    }
  }
  return false;
}

void EmitValue(YAML::Emitter& out, const ArchValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    out << *i;
  } else if (const auto* d = std::get_if<double>(&v)) {
    out << ShortestNumber(*d);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out << *b;
  } else {
    out << std::get<std::string>(v);
  }
}

}  // namespace

std::string ArchSpecToYaml(const ArchSpec& a) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  std::vector<std::string> open;  // the maps being written, outermost first ("a", "a.b")
  for (const ArchField& f : ArchFields()) {
    const ArchValue v = f.get(a);
    if (f.omit_empty && std::get<std::string>(v).empty()) {
      continue;
    }
    const std::string parent = f.key.substr(0, f.key.rfind('.') == std::string::npos
                                                     ? 0
                                                     : f.key.rfind('.'));
    while (!open.empty() && parent.compare(0, open.back().size() + 1, open.back() + ".") != 0 &&
           parent != open.back()) {
      out << YAML::EndMap;
      open.pop_back();
    }
    while (parent != (open.empty() ? "" : open.back())) {
      const size_t start = open.empty() ? 0 : open.back().size() + 1;
      const std::string path = parent.substr(0, parent.find('.', start));
      out << YAML::Key << path.substr(start) << YAML::Value;
      if (!HasNestedMap(path)) {
        out << YAML::Flow;
      }
      out << YAML::BeginMap;
      open.push_back(path);
    }
    out << YAML::Key << f.key.substr(parent.empty() ? 0 : parent.size() + 1) << YAML::Value;
    EmitValue(out, v);
  }
  for (size_t i = 0; i <= open.size(); ++i) {
    out << YAML::EndMap;
  }
  return std::string(out.c_str()) + "\n";
}

}  // namespace quasar::models
