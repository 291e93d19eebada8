#include "quasar/models/spec/scalesim_config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "../ascii_lower.h"
#include "quasar/models/error.h"
#include "quasar/models/text_file.h"

namespace quasar::models {
namespace {

std::string TrimBlanks(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// section -> lower-cased key -> value.
using Ini = std::map<std::string, std::map<std::string, std::string>>;

Ini ParseIni(const std::string& text, ErrorList* errors) {
  Ini ini;
  std::istringstream in(text);
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = TrimBlanks(line);
    const std::string at = "line " + std::to_string(n);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') {
        errors->Add(at, "a section header must end with ']', got '" + t + "'");
        continue;
      }
      section = TrimBlanks(t.substr(1, t.size() - 2));
      if (ini.count(section) > 0) errors->Add(at, "section [" + section + "] appears twice");
      ini[section];
      continue;
    }
    const size_t sep = t.find_first_of(":=");
    if (sep == std::string::npos || section.empty()) {
      errors->Add(at, section.empty() ? "a key before any [section], got '" + t + "'"
                                      : "expected 'key: value' or 'key = value', got '" + t + "'");
      continue;
    }
    const std::string key = AsciiLower(TrimBlanks(t.substr(0, sep)));
    if (ini[section].count(key) > 0) {
      errors->Add(at, "[" + section + "] " + key + " appears twice");
    }
    ini[section][key] = TrimBlanks(t.substr(sep + 1));
  }
  return ini;
}

// A required value, or nullptr with an error naming the section and key.
const std::string* Get(const Ini& ini, const std::string& section, const std::string& key,
                       ErrorList* errors) {
  const auto s = ini.find(section);
  if (s == ini.end()) {
    errors->Add("[" + section + "]", "missing section (needed for " + key + ")");
    return nullptr;
  }
  const auto k = s->second.find(AsciiLower(key));
  if (k == s->second.end()) {
    errors->Add("[" + section + "] " + key, "missing key");
    return nullptr;
  }
  return &k->second;
}

// `text` as an integer (SCALE-Sim reads them with Python's int()), if it is one.
std::optional<int64_t> ParseInteger(const std::string& text) {
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return used == text.size() ? std::optional<int64_t>(x) : std::nullopt;
}

// A required positive integer, or 0 with an error naming the section and key.
int64_t Integer(const Ini& ini, const std::string& section, const std::string& key,
                ErrorList* errors) {
  const std::string* v = Get(ini, section, key, errors);
  if (v == nullptr) return 0;
  const std::optional<int64_t> x = ParseInteger(*v);
  if (!x) {
    errors->Add("[" + section + "] " + key, "must be an integer, got '" + *v + "'");
    return 0;
  }
  if (*x < 1) {
    errors->Add("[" + section + "] " + key, "must be positive, got " + *v);
    return 0;
  }
  return *x;
}

// A single-quoted YAML scalar.
std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

ArchSpec ParseScaleSimConfig(const std::string& text, const std::string& where) {
  ErrorList errors(where);
  const Ini ini = ParseIni(text, &errors);
  errors.ThrowIfAny();
  const std::string arch = "architecture_presets";
  const std::string* name = Get(ini, "general", "run_name", &errors);
  const int64_t rows = Integer(ini, arch, "ArrayHeight", &errors);
  const int64_t cols = Integer(ini, arch, "ArrayWidth", &errors);
  const int64_t ifmap = Integer(ini, arch, "IfmapSramSzkB", &errors);
  const int64_t filter = Integer(ini, arch, "FilterSramSzkB", &errors);
  const int64_t ofmap = Integer(ini, arch, "OfmapSramSzkB", &errors);
  const std::string* dataflow = Get(ini, arch, "Dataflow", &errors);
  if (dataflow != nullptr && *dataflow != "os" && *dataflow != "ws" && *dataflow != "is") {
    errors.Add("[" + arch + "] Dataflow", "must be os, ws or is, got '" + *dataflow + "'");
  }
  const std::string* mode = Get(ini, "run_presets", "InterfaceBandwidth", &errors);
  double bytes_per_cycle = kScaleSimCalcBytesPerCycle;
  if (mode != nullptr && *mode == "USER") {
    const std::string* list = Get(ini, arch, "Bandwidth", &errors);
    if (list != nullptr) {
      std::istringstream in(*list);
      std::string item;
      int64_t smallest = 0;
      while (std::getline(in, item, ',')) {
        const int64_t b = ParseInteger(TrimBlanks(item)).value_or(0);
        if (b < 1) {
          errors.Add(
              "[" + arch + "] Bandwidth",
              "must be positive integers (words per cycle), comma-separated, got '" + *list + "'");
          smallest = 0;
          break;
        }
        smallest = smallest == 0 ? b : std::min(smallest, b);
      }
      bytes_per_cycle = 3.0 * static_cast<double>(smallest);
    }
  } else if (mode != nullptr && *mode != "CALC") {
    errors.Add("[run_presets] InterfaceBandwidth", "must be CALC or USER, got '" + *mode + "'");
  }
  errors.ThrowIfAny();
  // The values go through the architecture parser, which checks their ranges.
  std::ostringstream y;
  y << "version: 1\nname: " << Quoted(*name) << "\n"
    << "description: " << Quoted("imported from the SCALE-Sim configuration " + where) << "\n"
    << "array: {rows: " << rows << ", cols: " << cols << ", dataflow: " << *dataflow << "}\n"
    << "mac: {weight_bits: 8, activation_bits: 8, signed: true}\n"
    << "buffers:\n"
    << "  input: {kib: " << ifmap << ", word_bytes: 1, double_buffered: true}\n"
    << "  weight: {kib: " << filter << ", word_bytes: 1, double_buffered: true}\n"
    << "  output: {kib: " << ofmap << ", word_bytes: 1, double_buffered: true}\n"
    << "dram: {bytes_per_cycle: " << bytes_per_cycle << ", latency_cycles: 0}\n";
  try {
    return ParseArchSpec(y.str(), where);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) +
                     " (keys of the architecture the SCALE-Sim configuration maps to: "
                     "docs/scalesim.md)");
  }
}

ArchSpec ImportScaleSimConfig(const std::string& path) {
  return ParseScaleSimConfig(ReadTextFile(path, "the SCALE-Sim configuration"), path);
}

}  // namespace quasar::models
