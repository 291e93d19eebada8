// Reading and validating rtl/synth/mac_cells.yaml (the yosys cell counts of quasar_mac written by
// rtl/synth/synth_mac.sh) and matching a MacSpec to its closest synthesized configuration. The
// counts and their meaning are in docs/rtl-area.md.

#include "quasar/models/cost/rtl_area.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <tuple>

#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/small_float.h"
#include "quasar/models/spec/yaml_reader.h"
#include "quasar/models/text_file.h"

namespace quasar::models {
namespace {

constexpr int kMaxOperandBits = 64;  // generous: quasar_mac has no upper bound of its own
constexpr int kMaxLanes = 1024;      // quasar_mac's LANES range
constexpr int kMinAccBits = 8;       // quasar_mac's ACC_W range
constexpr int kMaxAccBits = 64;
constexpr int64_t kMaxCells = int64_t{1} << 40;  // bounds sums of cell counts far from overflow

// Reads an integer key in [lo, hi]; records an error naming the key and value otherwise.
std::optional<int64_t> IntIn(const MapReader& m, const std::string& key, int64_t lo, int64_t hi) {
  auto v = m.Int(key, true);
  if (v && (*v < lo || *v > hi)) {
    m.Error(key, "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                     ", got " + Describe(m.Get(key)));
    return std::nullopt;
  }
  return v;
}

// The optional `cell_types` map of a configuration: counts per gate type adding up to `cells`.
void ReadCellTypes(const MapReader& m, int64_t cells, std::map<std::string, int64_t>* out) {
  if (auto types = m.Map("cell_types", false)) {
    types->RejectDuplicateKeys();
    int64_t sum = 0;
    bool types_ok = true;
    for (const std::string& type : types->Keys()) {
      const auto n = IntIn(*types, type, 0, kMaxCells);
      if (!n) {
        types_ok = false;
        continue;
      }
      (*out)[type] = *n;
      sum += *n;
    }
    if (types_ok && cells > 0 && sum != cells) {
      m.Error("cell_types", "must add up to cells (" + std::to_string(cells) + "), got " +
                                std::to_string(sum) + " in " + Describe(m.Get("cell_types")));
    }
  }
}

// One entry of `configurations`; false if it has a problem (recorded in m's ErrorList).
bool ReadConfig(const MapReader& m, RtlMacConfig* c) {
  const size_t before = m.errors()->messages().size();
  m.RejectUnknownKeys({"name", "a_bits", "w_bits", "lanes", "acc_bits", "signed", "xnor",
                       "saturate", "cells", "cell_types"});
  c->name = m.String("name", true).value_or("");
  if (m.Has("name") && c->name.empty()) {
    m.Error("name", "must not be empty");
  }
  c->a_bits = static_cast<int>(IntIn(m, "a_bits", 1, kMaxOperandBits).value_or(0));
  c->w_bits = static_cast<int>(IntIn(m, "w_bits", 1, kMaxOperandBits).value_or(0));
  c->lanes = static_cast<int>(IntIn(m, "lanes", 1, kMaxLanes).value_or(0));
  c->acc_bits = static_cast<int>(IntIn(m, "acc_bits", kMinAccBits, kMaxAccBits).value_or(0));
  c->is_signed = m.Bool("signed", true).value_or(true);
  c->xnor = m.Bool("xnor", true).value_or(false);
  c->saturate = m.Bool("saturate", true).value_or(false);
  c->cells = IntIn(m, "cells", 1, kMaxCells).value_or(0);
  if (c->xnor && ((c->a_bits > 0 && c->a_bits < 2) || (c->w_bits > 0 && c->w_bits < 2))) {
    m.Error("xnor",
            "an XNOR lane holds a valid bit and a sign bit, so a_bits and w_bits must be at "
            "least 2, got a_bits " +
                std::to_string(c->a_bits) + ", w_bits " + std::to_string(c->w_bits));
  }
  ReadCellTypes(m, c->cells, &c->cell_types);
  return m.errors()->messages().size() == before;
}

// One entry of `fp8_configurations`; false if it has a problem.
bool ReadFp8Config(const MapReader& m, RtlFp8MacConfig* c) {
  const size_t before = m.errors()->messages().size();
  m.RejectUnknownKeys({"name", "format", "acc_bits", "saturate", "cells", "cell_types"});
  c->name = m.String("name", true).value_or("");
  if (m.Has("name") && c->name.empty()) {
    m.Error("name", "must not be empty");
  }
  c->format = m.String("format", true).value_or("");
  if (m.Has("format")) {
    try {
      FindSmallFloat(c->format);
    } catch (const InputError& e) {
      m.Error("format", e.what());
    }
  }
  c->acc_bits = static_cast<int>(
      IntIn(m, "acc_bits", kMinFp8AccumulatorBits, kMaxFp8AccumulatorBits).value_or(0));
  c->saturate = m.Bool("saturate", true).value_or(false);
  c->cells = IntIn(m, "cells", 1, kMaxCells).value_or(0);
  ReadCellTypes(m, c->cells, &c->cell_types);
  return m.errors()->messages().size() == before;
}

// Whether `c` has `mac`'s operands: 1 x 1 bits (binary) an XNOR configuration, other widths a
// one-lane integer configuration of the same widths.
bool SameOperands(const RtlMacConfig& c, const MacSpec& mac) {
  const bool binary = mac.weight_bits == 1 && mac.activation_bits == 1;
  return binary ? c.xnor
                : !c.xnor && c.lanes == 1 && c.a_bits == mac.activation_bits &&
                      c.w_bits == mac.weight_bits;
}

bool IsPlainInt8(const RtlMacConfig& c) {
  return !c.xnor && c.a_bits == 8 && c.w_bits == 8 && c.lanes == 1;
}

// Orders candidates for `mac`: nearest accumulator width, then equal signedness (integer MACs),
// then equal overflow mode. Smaller is closer.
std::tuple<int, int, int> Distance(const RtlMacConfig& c, int acc_bits, bool is_signed,
                                   bool saturate) {
  return {std::abs(c.acc_bits - acc_bits), !c.xnor && c.is_signed != is_signed ? 1 : 0,
          c.saturate != saturate ? 1 : 0};
}

// The closest configuration satisfying `pred`, or nullptr; ties go to file order.
template <typename Pred>
const RtlMacConfig* Closest(const RtlMacCells& cells, int acc_bits, bool is_signed, bool saturate,
                            Pred pred) {
  const RtlMacConfig* best = nullptr;
  for (const RtlMacConfig& c : cells.configurations) {
    if (pred(c) && (best == nullptr || Distance(c, acc_bits, is_signed, saturate) <
                                           Distance(*best, acc_bits, is_signed, saturate))) {
      best = &c;
    }
  }
  return best;
}

}  // namespace

std::string DefaultRtlMacCellsPath() {
#ifdef QUASAR_SOURCE_DIR
  return std::string(QUASAR_SOURCE_DIR) + "/rtl/synth/mac_cells.yaml";
#else
  return "rtl/synth/mac_cells.yaml";
#endif
}

RtlMacCells ParseRtlMacCells(const std::string& yaml_text, const std::string& where) {
  const YAML::Node root = LoadYamlText(yaml_text, where);
  ErrorList errors(where);
  if (!root.IsMap()) {
    errors.Add("", "a cell-count file must be a mapping, got " + Describe(root));
    errors.ThrowIfAny();
  }
  RtlMacCells out;
  out.file = where;
  MapReader top(root, "", &errors);
  top.RejectUnknownKeys(
      {"version", "tool", "flow", "gate_library", "configurations", "fp8_configurations"});
  if (auto v = top.Int("version", true); v && *v != 1) {
    top.Error("version", "must be 1, got " + Describe(top.Get("version")));
  }
  out.tool = top.String("tool", true).value_or("");
  out.flow = top.String("flow", false).value_or("");
  out.gate_library = top.StringList("gate_library", false).value_or(std::vector<std::string>{});

  const YAML::Node list = top.Get("configurations");
  if (!top.Has("configurations")) {
    top.Error("configurations", "is required");
  } else if (!list.IsSequence() || list.size() == 0) {
    top.Error("configurations", "must be a non-empty list of mappings, got " + Describe(list));
  } else {
    bool all_ok = true;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = "configurations[" + std::to_string(i) + "]";
      if (!list[i].IsMap()) {
        errors.Add(path, "must be a mapping, got " + Describe(list[i]));
        all_ok = false;
        continue;
      }
      RtlMacConfig c;
      const bool ok = ReadConfig(MapReader(list[i], path, &errors), &c);
      all_ok = all_ok && ok;
      for (const RtlMacConfig& earlier : out.configurations) {
        if (ok && earlier.name == c.name) {
          errors.Add(path + ".name", "appears twice in configurations, got '" + c.name + "'");
        }
      }
      if (ok) {
        out.configurations.push_back(c);
      }
    }
    if (all_ok && Closest(out, 32, true, false, IsPlainInt8) == nullptr) {
      top.Error("configurations",
                "must include a plain 8 x 8-bit MAC (a_bits 8, w_bits 8, lanes 1, xnor false), the "
                "reference of the ratios");
    }
  }
  if (top.Has("fp8_configurations")) {
    const YAML::Node fp8 = top.Get("fp8_configurations");
    if (!fp8.IsSequence()) {
      top.Error("fp8_configurations", "must be a list of mappings, got " + Describe(fp8));
    } else {
      for (size_t i = 0; i < fp8.size(); ++i) {
        const std::string path = "fp8_configurations[" + std::to_string(i) + "]";
        if (!fp8[i].IsMap()) {
          errors.Add(path, "must be a mapping, got " + Describe(fp8[i]));
          continue;
        }
        RtlFp8MacConfig c;
        if (!ReadFp8Config(MapReader(fp8[i], path, &errors), &c)) {
          continue;
        }
        for (const RtlFp8MacConfig& earlier : out.fp8_configurations) {
          if (earlier.name == c.name) {
            errors.Add(path + ".name", "appears twice in fp8_configurations, got '" + c.name + "'");
          }
        }
        out.fp8_configurations.push_back(c);
      }
    }
  }
  errors.ThrowIfAny();
  return out;
}

RtlMacCells LoadRtlMacCells(const std::string& path) {
  return ParseRtlMacCells(ReadTextFile(path, "file"), path);
}

std::optional<RtlMacArea> MatchRtlMac(const RtlMacCells& cells, const MacSpec& mac) {
  if (mac.scaling != PrecisionScaling::kNone || mac.format != QuantCode::kLinear) {
    return std::nullopt;  // the synthesized MACs are fixed-width
  }
  const int acc = mac.accumulator.bits;
  const bool sat = mac.accumulator.overflow == OverflowMode::kSaturate;
  const RtlMacConfig* match = Closest(cells, acc, mac.is_signed, sat, [&](const RtlMacConfig& c) {
    return SameOperands(c, mac);
  });
  if (match == nullptr) {
    return std::nullopt;
  }
  const RtlMacConfig* ref =
      Closest(cells, match->acc_bits, match->is_signed, match->saturate, IsPlainInt8);
  if (ref == nullptr) {
    return std::nullopt;  // unreachable for a parsed file, which must hold an 8 x 8 MAC
  }
  RtlMacArea r;
  r.config = match->name;
  r.tool = cells.tool;
  r.cells = match->cells;
  r.relative_to_int8 = static_cast<double>(match->cells) / static_cast<double>(ref->cells);
  r.exact = Distance(*match, acc, mac.is_signed, sat) == std::tuple<int, int, int>{0, 0, 0};
  return r;
}

std::optional<double> AccumulatorAreaFactor(const RtlMacCells& cells, const MacSpec& mac) {
  if (mac.scaling != PrecisionScaling::kNone || mac.format != QuantCode::kLinear) {
    return std::nullopt;
  }
  // Cells against accumulator width of the MACs with these operands and overflow mode.
  const auto cells_at = [&](bool saturate, int acc_bits) -> std::optional<double> {
    std::map<int, int64_t> by_width;  // the first configuration of each width (file order)
    for (const RtlMacConfig& c : cells.configurations) {
      if (SameOperands(c, mac) && c.saturate == saturate) {
        by_width.emplace(c.acc_bits, c.cells);
      }
    }
    if (by_width.size() < 2) {
      return std::nullopt;
    }
    // The segment holding acc_bits, or the end segment nearest to it.
    auto hi = by_width.upper_bound(acc_bits);
    if (hi == by_width.begin()) {
      ++hi;
    } else if (hi == by_width.end()) {
      --hi;
    }
    const auto lo = std::prev(hi);
    const double slope = static_cast<double>(hi->second - lo->second) /
                         static_cast<double>(hi->first - lo->first);
    return static_cast<double>(lo->second) + slope * static_cast<double>(acc_bits - lo->first);
  };
  const auto at = cells_at(mac.accumulator.overflow == OverflowMode::kSaturate,
                           mac.accumulator.bits);
  const auto reference = cells_at(false, 32);
  if (!at || !reference || !(*at > 0) || !(*reference > 0)) {
    return std::nullopt;  // too few widths synthesized, or a line extended past zero cells
  }
  return *at / *reference;
}

}  // namespace quasar::models
