// Reading and validating technology cost tables (format in docs/energy-area.md): every entry with
// value (or points), unit and source; units checked against the entry's kind, unknown keys
// rejected, a derived table built from its base with cited scale factors, and every problem of a
// file collected before one InputError is thrown.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "quasar/models/cost/cost_table.h"
#include "quasar/models/cost/rtl_area.h"
#include "quasar/models/error.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {
namespace {

// Which scale factor of a derived table applies to an entry. DRAM energy is an off-chip interface
// cost and the ratios are dimensionless, so they do not follow the logic node.
enum class Scaling { kEnergy, kArea, kNone };

struct KeySpec {
  const char* key;
  const char* unit;
  bool curve;  // `points` instead of `value`
  Scaling scaling;
};

// Every entry the format defines. Curves: add (x = bits), sram_access_64bit (x = capacity in
// bytes), pe_area (x = a_bits · w_bits).
constexpr KeySpec kKeys[] = {
    {"multiply_quadratic", "pJ/bit^2", false, Scaling::kEnergy},
    {"multiply_linear", "pJ/bit", false, Scaling::kEnergy},
    {"add", "pJ", true, Scaling::kEnergy},
    {"register_per_bit", "pJ/bit", false, Scaling::kEnergy},
    {"comparator_per_bit", "pJ/bit", false, Scaling::kEnergy},
    {"xnor_vs_1bit_add", "ratio", false, Scaling::kNone},
    {"sram_access_64bit", "pJ", true, Scaling::kEnergy},
    {"dram_per_byte", "pJ/byte", false, Scaling::kNone},
    {"leakage_power_density", "mW/mm2", false, Scaling::kNone},
    {"precision_scalable_power_factor", "ratio", false, Scaling::kNone},
    {"pe_area", "um2", true, Scaling::kArea},
    {"precision_scalable_area_factor", "ratio", false, Scaling::kNone},
    {"sram_area_per_KiB", "um2/KiB", false, Scaling::kArea},
    {"register_area_per_bit", "um2/bit", false, Scaling::kArea},
};

const KeySpec* FindKey(const std::string& key) {
  for (const KeySpec& k : kKeys) {
    if (key == k.key) {
      return &k;
    }
  }
  return nullptr;
}

std::string KnownKeys() {
  std::string list;
  for (const KeySpec& k : kKeys) {
    list += (list.empty() ? "" : ", ") + std::string(k.key);
  }
  return list;
}

// unit and source, shared by entries and scale factors; false if either is missing or wrong.
bool ReadUnitAndSource(const MapReader& r, const std::string& expected_unit, CostEntry* out) {
  bool ok = true;
  if (auto unit = r.String("unit", true)) {
    if (*unit != expected_unit) {
      r.Error("unit", "must be '" + expected_unit + "' for this entry, got '" + *unit + "'");
      ok = false;
    }
    out->unit = *unit;
  } else {
    ok = false;
  }
  auto source = r.String("source", true);
  if (source && source->find_first_not_of(" \t") == std::string::npos) {
    r.Error("source", "must name where the value comes from, got an empty string");
    ok = false;
  } else if (!source) {
    ok = false;
  } else {
    out->source = *source;
  }
  return ok;
}

bool ReadScalar(const MapReader& r, CostEntry* out) {
  auto v = r.Double("value", true);
  if (!v) {
    return false;
  }
  if (!std::isfinite(*v) || *v < 0) {
    r.Error("value", "must be a finite, non-negative number, got " + Describe(r.Get("value")));
    return false;
  }
  out->value = *v;
  return true;
}

// points: [[x, y], ...], at least two, x > 0 strictly increasing, y > 0 and non-decreasing (so
// every interpolated cost is positive and monotone in width and capacity).
bool ReadPoints(const MapReader& r, CostEntry* out) {
  if (!r.Has("points")) {
    r.Error("points", "is required");
    return false;
  }
  const YAML::Node n = r.Get("points");
  if (!n.IsSequence() || n.size() < 2) {
    r.Error("points", "must be a list of at least two [x, value] pairs, got " + Describe(n));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string key = "points[" + std::to_string(i) + "]";
    const YAML::Node p = n[i];
    double x = 0, y = 0;
    bool pair_ok = p.IsSequence() && p.size() == 2 && p[0].IsScalar() && p[1].IsScalar();
    if (pair_ok) {
      try {
        x = p[0].as<double>();
        y = p[1].as<double>();
      } catch (const YAML::Exception&) {
        pair_ok = false;
      }
    }
    if (!pair_ok) {
      r.Error(key, "must be a pair [x, value] of numbers, got " + Describe(p));
      ok = false;
      continue;
    }
    if (!std::isfinite(x) || !std::isfinite(y) || x <= 0 || y <= 0) {
      r.Error(key, "x and value must be finite and positive, got " + Describe(p));
      ok = false;
      continue;
    }
    if (!out->points.empty() && x <= out->points.back().first) {
      r.Error(key, "x must increase from point to point, got " + Describe(p));
      ok = false;
    } else if (!out->points.empty() && y < out->points.back().second) {
      r.Error(key, "value must not decrease as x grows, got " + Describe(p));
      ok = false;
    }
    out->points.emplace_back(x, y);
  }
  return ok;
}

bool ReadEntry(const MapReader& entries, const KeySpec& spec, CostEntry* out) {
  auto r = entries.Map(spec.key, true);
  if (!r) {
    return false;
  }
  if (spec.curve) {
    r->RejectUnknownKeys({"points", "unit", "source"});
  } else {
    r->RejectUnknownKeys({"value", "unit", "source"});
  }
  const bool values_ok = spec.curve ? ReadPoints(*r, out) : ReadScalar(*r, out);
  const bool meta_ok = ReadUnitAndSource(*r, spec.unit, out);
  return values_ok && meta_ok;
}

// A scale factor of a derived table: {value, unit: ratio, source}, value > 0.
bool ReadFactor(const MapReader& scale, const char* key, CostEntry* out) {
  auto r = scale.Map(key, false);
  if (!r) {
    out->value = 1;
    return !scale.Has(key);
  }
  r->RejectUnknownKeys({"value", "unit", "source"});
  bool ok = ReadScalar(*r, out);
  if (ok && out->value == 0) {
    r->Error("value", "must be positive, got 0");
    ok = false;
  }
  return ReadUnitAndSource(*r, "ratio", out) && ok;
}

void ApplyScale(const CostEntry& factor, const char* factor_name, CostEntry* e) {
  if (factor.source.empty()) {
    return;  // factor absent
  }
  e->value *= factor.value;
  for (auto& p : e->points) {
    p.second *= factor.value;
  }
  std::ostringstream s;
  s << e->source << " | x" << factor.value << " by scale." << factor_name << ": "
    << factor.source;
  e->source = s.str();
}

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool IsPath(const std::string& s) {
  return s.find('/') != std::string::npos ||
         (s.size() > 5 && s.compare(s.size() - 5, 5, ".yaml") == 0);
}

CostTable LoadImpl(const std::string& name_or_path, const std::string& technology_dir, int depth);

CostTable ParseImpl(const std::string& yaml_text, const std::string& where,
                    const std::string& technology_dir, int depth) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw InputError(where + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
  }
  ErrorList errors(where);
  if (!root.IsMap()) {
    errors.Add("", "a cost table must be a mapping, got " + Describe(root));
    errors.ThrowIfAny();
  }
  MapReader top(root, "", &errors);
  top.RejectUnknownKeys({"version", "name", "node", "description", "base", "scale", "entries"});
  if (auto v = top.Int("version", true); v && *v != 1) {
    top.Error("version", "must be 1, got " + Describe(top.Get("version")));
  }
  CostTable table;
  const auto name = top.String("name", true);
  const auto node = top.String("node", true);
  top.String("description", false);
  const auto base = top.String("base", false);

  if (base) {
    if (depth >= 8) {
      top.Error("base", "tables derive from each other more than 8 levels deep (a cycle?), got '" +
                            *base + "'");
    } else {
      const std::string dir = IsPath(*base) && (*base)[0] != '/' ? DirectoryOf(where) : "";
      try {
        table = LoadImpl(dir.empty() ? *base : dir + "/" + *base, technology_dir, depth + 1);
      } catch (const InputError& e) {
        top.Error("base", std::string("cannot be loaded: ") + e.what());
      }
    }
  }
  if (auto scale = top.Map("scale", false)) {
    scale->RejectUnknownKeys({"energy", "area"});
    if (!base) {
      top.Error("scale", "needs a base table to scale");
    }
    CostEntry energy, area;
    const bool energy_ok = ReadFactor(*scale, "energy", &energy);
    const bool area_ok = ReadFactor(*scale, "area", &area);
    if (energy_ok && area_ok) {
      for (auto& [key, entry] : table.entries) {
        const KeySpec* spec = FindKey(key);
        if (spec && spec->scaling == Scaling::kEnergy) {
          ApplyScale(energy, "energy", &entry);
        } else if (spec && spec->scaling == Scaling::kArea) {
          ApplyScale(area, "area", &entry);
        }
      }
    }
  }

  auto entries = top.Map("entries", !base);
  if (entries) {
    for (const std::string& key : entries->Keys()) {
      if (!FindKey(key)) {
        entries->Error(key, "unknown entry (known: " + KnownKeys() + ")");
      }
    }
    entries->RejectDuplicateKeys();
    for (const KeySpec& spec : kKeys) {
      if (!entries->Has(spec.key)) {
        if (!base) {
          entries->Error(spec.key, "is required (a table without a base defines every entry)");
        }
        continue;
      }
      CostEntry e;
      if (ReadEntry(*entries, spec, &e)) {
        table.entries[spec.key] = e;
      }
    }
  }
  errors.ThrowIfAny();
  table.name = *name;
  table.node = *node;
  table.file = where;
  table.Resolve();
  return table;
}

CostTable LoadImpl(const std::string& name_or_path, const std::string& technology_dir,
                   int depth) {
  const std::string path =
      IsPath(name_or_path) ? name_or_path : technology_dir + "/" + name_or_path + ".yaml";
  std::ifstream in(path);
  if (!in) {
    throw InputError(path + ": cannot open cost table" +
                     (IsPath(name_or_path) ? std::string()
                                           : " (no table named '" + name_or_path + "' in " +
                                                 technology_dir + ")"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseImpl(text.str(), path, technology_dir, depth);
}

}  // namespace

CostTable ParseCostTable(const std::string& yaml_text, const std::string& where,
                         const std::string& technology_dir) {
  return ParseImpl(yaml_text, where, technology_dir, 0);
}

CostTable LoadCostTable(const std::string& name_or_path, const std::string& technology_dir) {
  CostTable table = LoadImpl(name_or_path, technology_dir, 0);
  static const std::shared_ptr<const RtlMacCells> cells =
      std::make_shared<const RtlMacCells>(LoadRtlMacCells(DefaultRtlMacCellsPath()));
  table.rtl_mac_cells = cells;
  return table;
}

CostTable LoadArchCostTable(const ArchSpec& arch, const std::string& technology_dir) {
  std::string tech = arch.technology;
  const bool is_path = tech.find('/') != std::string::npos ||
                       (tech.size() > 5 && tech.compare(tech.size() - 5, 5, ".yaml") == 0);
  if (is_path && !std::filesystem::path(tech).is_absolute() && !arch.file.empty()) {
    tech = (std::filesystem::path(arch.file).parent_path() / tech).string();
  }
  try {
    return LoadCostTable(tech, technology_dir);
  } catch (const InputError& e) {
    throw InputError((arch.file.empty() ? arch.name : arch.file) +
                     ": technology: cannot be loaded: " + e.what());
  }
}

}  // namespace quasar::models
