// The accelerator description: precision-scaling names, the MAC's throughput
// formulas, and parsing and validation of the version-1 format (docs/arch-format.md).

#include "quasar/models/spec/arch_spec.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/spec/arch_fields.h"
#include "quasar/models/spec/scalesim_config.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {

constexpr EnumTable<PrecisionScaling, 2> kScalings = {
    {{PrecisionScaling::kNone, "none"}, {PrecisionScaling::kBitFusion, "bit_fusion"}}};

std::string PrecisionScalingName(PrecisionScaling s) { return EnumName(kScalings, s); }

std::optional<PrecisionScaling> ParsePrecisionScaling(const std::string& name) {
  return ParseEnum(kScalings, name);
}

constexpr EnumTable<Conventions, 2> kConventions = {
    {{Conventions::kQuasar, "quasar"}, {Conventions::kScaleSim, "scalesim"}}};

std::string ConventionsName(Conventions c) { return EnumName(kConventions, c); }

std::optional<Conventions> ParseConventions(const std::string& name) {
  return ParseEnum(kConventions, name);
}

namespace {

bool IsPowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

// The Bit Fusion configuration an operand of `bits` runs in: the next power of two, at least one
// 2-bit BitBrick.
int FusedWidth(int bits) {
  int w = 2;
  while (w < bits) {
    w *= 2;
  }
  return w;
}

}  // namespace

int MacSpec::ProductsPerCycle(int w_bits, int a_bits) const {
  if (w_bits < 1 || w_bits > 16 || a_bits < 1 || a_bits > 16) {
    return 0;
  }
  if (scaling == PrecisionScaling::kNone) {
    return w_bits <= weight_bits && a_bits <= activation_bits ? 1 : 0;
  }
  // Bit Fusion (see the header): both MAC widths are powers of two >= 2 (validated), so a fused
  // width that fits also divides them.
  const int w = FusedWidth(w_bits);
  const int a = FusedWidth(a_bits);
  if (w > weight_bits || a > activation_bits) {
    return 0;
  }
  return (weight_bits / w) * (activation_bits / a);
}

int MacSpec::ProductsPerCycle(QuantCode w_code, QuantCode a_code, int w_bits, int a_bits) const {
  if (format != QuantCode::kLinear) {
    return w_code == format && a_code == format ? 1 : 0;
  }
  if (IsNumberFormat(w_code) || IsNumberFormat(a_code)) {
    return 0;
  }
  return ProductsPerCycle(w_bits, a_bits);
}

int MacSpec::BinaryProductsPerCycle() const {
  return binary_lanes > 0 ? binary_lanes : ProductsPerCycle(1, 1);
}

double ArchSpec::PeakMacsPerSecond(int w_bits, int a_bits) const {
  return static_cast<double>(PeCount()) * mac.ProductsPerCycle(w_bits, a_bits) * clock_mhz * 1e6;
}

double ArchSpec::PeakBinaryMacsPerSecond() const {
  return static_cast<double>(PeCount()) * mac.BinaryProductsPerCycle() * clock_mhz * 1e6;
}

namespace {

// The value as written in the file, for messages.
std::string Raw(const MapReader& m, const std::string& key) { return m.Get(key).Scalar(); }

// "a, b or c".
std::string OrList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return out;
}

std::string Number(double v) { return std::to_string(static_cast<int64_t>(v)); }

// Reads field `f` (key `leaf` of map `m`) into `a` by its kind and range. False if an error was
// recorded.
bool ReadField(const MapReader& m, const std::string& leaf, const ArchField& f, ArchSpec* a) {
  const bool present = m.Has(leaf);
  switch (f.kind) {
    case ArchFieldKind::kInt: {
      const auto v = m.Int(leaf, f.required);  // records a missing required key or a non-integer
      if (!v) {
        return !present && !f.required;
      }
      if (*v < f.lo || *v > f.hi || (f.power_of_two && !IsPowerOfTwo(*v))) {
        m.Error(leaf, "must be " + std::string(f.power_of_two ? "a power of two " : "") + "in " +
                          Number(f.lo) + ".." + Number(f.hi) + ", got " + Raw(m, leaf));
        return false;
      }
      f.set(a, *v);
      return true;
    }
    case ArchFieldKind::kReal: {
      const auto v = m.Double(leaf, f.required);
      if (!v) {
        return !present && !f.required;
      }
      if (!RealInRange(f, *v)) {
        m.Error(leaf, RealRangeRule(f) + " " + f.unit + ", got " + Raw(m, leaf));
        return false;
      }
      f.set(a, *v);
      return true;
    }
    case ArchFieldKind::kName: {
      const auto s = m.String(leaf, f.required);
      if (!s) {
        return !present && !f.required;
      }
      if (std::find(f.names.begin(), f.names.end(), *s) == f.names.end()) {
        m.Error(leaf, "must be " + OrList(f.names) + ", got '" + *s + "'");
        return false;
      }
      f.set(a, *s);
      return true;
    }
    case ArchFieldKind::kBool: {
      const auto b = m.Bool(leaf, f.required);
      if (b) {
        f.set(a, *b);
      }
      return b.has_value() || (!present && !f.required);
    }
    case ArchFieldKind::kText: {
      const auto s = m.String(leaf, f.required);
      if (!s) {
        return !present && !f.required;
      }
      if (f.non_empty && s->empty()) {
        m.Error(leaf, "must not be empty, got ''");
        return false;
      }
      f.set(a, *s);
      return true;
    }
  }
  return false;
}

// A problem of a combination of fields: the key path it is reported at, and the message.
struct CombinationProblem {
  std::string key;
  std::string problem;
};

// A combination of fields the format forbids, checked right after the field `after` is read;
// `failed` holds the fields that could not be read (not reported again).
struct CombinationCheck {
  const char* after;
  void (*check)(const ArchSpec& a, const std::set<std::string>& failed,
                std::vector<CombinationProblem>* problems);
};

// Bit Fusion fuses 2-bit BitBricks in powers of two, so each MAC width must be a power of two
// of at least one brick: then every narrower power-of-two operand divides it.
void CheckBitFusionWidths(const ArchSpec& a, const std::set<std::string>& failed,
                          std::vector<CombinationProblem>* problems) {
  if (a.mac.scaling != PrecisionScaling::kBitFusion) {
    return;
  }
  for (const char* key : {"mac.weight_bits", "mac.activation_bits"}) {
    const bool weights = std::string(key) == "mac.weight_bits";
    const int bits = weights ? a.mac.weight_bits : a.mac.activation_bits;
    if (!failed.count(key) && (bits < 2 || !IsPowerOfTwo(bits))) {
      problems->push_back(
          {key,
           "precision_scaling bit_fusion needs a power of two in 2..16 (a whole number of "
           "2-bit BitBricks that narrower power-of-two operands divide), got " +
               std::to_string(bits)});
    }
  }
}

// A format MAC multiplies its format's elements: its widths are theirs, and it has no
// precision scaling or XNOR lanes.
void CheckFormatMac(const ArchSpec& a, const std::set<std::string>& failed,
                    std::vector<CombinationProblem>* problems) {
  if (a.mac.format == QuantCode::kLinear || failed.count("mac.format")) {
    return;
  }
  const QuantCodeDef& f = QuantCodeOf(a.mac.format);
  for (const char* key : {"mac.weight_bits", "mac.activation_bits"}) {
    const int bits =
        std::string(key) == "mac.weight_bits" ? a.mac.weight_bits : a.mac.activation_bits;
    if (!failed.count(key) && bits != f.fixed_bits) {
      problems->push_back(
          {key, std::string("mac.format ") + f.name + " multiplies " +
                    std::to_string(f.fixed_bits) + "-bit elements, so this must be " +
                    std::to_string(f.fixed_bits) + ", got " + std::to_string(bits)});
    }
  }
  if (!failed.count("mac.precision_scaling") && a.mac.scaling != PrecisionScaling::kNone) {
    problems->push_back({"mac.precision_scaling", std::string("mac.format ") + f.name +
                                                      " has no precision scaling, got " +
                                                      PrecisionScalingName(a.mac.scaling)});
  }
  if (!failed.count("mac.binary_lanes") && a.mac.binary_lanes != 0) {
    problems->push_back({"mac.binary_lanes", std::string("mac.format ") + f.name +
                                                 " has no XNOR lanes, got " +
                                                 std::to_string(a.mac.binary_lanes)});
  }
}

// A register of more than 64 bits is the FP8 MAC's fixed-point register (fp8_mac.h: 8..128
// bits, so that E5M2's 65-bit products fit). The integer MACs', and the MX and group MACs' block
// sums, are at most kMaxAccumulatorBits (accumulator.h): the golden integer kernels add in int64.
void CheckAccumulatorWidth(const ArchSpec& a, const std::set<std::string>& failed,
                           std::vector<CombinationProblem>* problems) {
  const int bits = a.mac.accumulator.bits;
  if (bits <= kMaxAccumulatorBits || failed.count("mac.accumulator.bits") ||
      failed.count("mac.format")) {
    return;
  }
  const QuantCodeDef& f = QuantCodeOf(a.mac.format);
  if (f.format == nullptr || f.block > 0) {
    problems->push_back(
        {"mac.accumulator.bits", "must be in " + std::to_string(kMinAccumulatorBits) + ".." +
                                     std::to_string(kMaxAccumulatorBits) + " (up to " +
                                     std::to_string(kMaxFp8AccumulatorBits) +
                                     " on an FP8 MAC, mac.format fp8_e4m3 or fp8_e5m2), got " +
                                     std::to_string(bits)});
  }
}

const CombinationCheck kCombinationChecks[] = {{"mac.precision_scaling", CheckBitFusionWidths},
                                               {"mac.format", CheckFormatMac},
                                               {"mac.format", CheckAccumulatorWidth}};

std::string ParentOf(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? "" : key.substr(0, dot);
}
std::string LeafOf(const std::string& key) { return key.substr(key.rfind('.') + 1); }

// The keys a map of the format may hold: the next segment of every field under `path`, in
// table order ("version" first at the root).
std::vector<std::string> ChildrenOf(const std::string& path) {
  std::vector<std::string> keys;
  if (path.empty()) {
    keys.push_back("version");
  }
  const std::string prefix = path.empty() ? "" : path + ".";
  for (const ArchField& f : ArchFields()) {
    if (f.key.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    const std::string rest = f.key.substr(prefix.size());
    const std::string child = rest.substr(0, rest.find('.'));
    if (std::find(keys.begin(), keys.end(), child) == keys.end()) {
      keys.push_back(child);
    }
  }
  return keys;
}

// The format's maps, opened as the fields reach them: each is checked for unknown keys when it
// is first opened, and is required when a field under it is.
class Maps {
 public:
  explicit Maps(const MapReader& root) { maps_.emplace("", root); }

  // The reader of `path`, or nullptr when the map is absent (or not a map: an error then).
  const MapReader* Open(const std::string& path) {
    if (auto it = maps_.find(path); it != maps_.end()) {
      return it->second ? &*it->second : nullptr;
    }
    std::optional<MapReader> m;
    if (const MapReader* parent = Open(ParentOf(path))) {
      bool required = false;
      for (const ArchField& f : ArchFields()) {
        required = required || (f.required && f.key.compare(0, path.size() + 1, path + ".") == 0);
      }
      m = parent->Map(LeafOf(path), required);
      if (m) {
        m->RejectUnknownKeys(ChildrenOf(path));
      }
    }
    const auto it = maps_.emplace(path, std::move(m)).first;
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::map<std::string, std::optional<MapReader>> maps_;
};

ArchSpec ParseArchNode(const YAML::Node& node, const std::string& where) {
  ErrorList errors(where);
  ArchSpec a;
  a.file = where;
  if (!node.IsMap()) {
    errors.Add("", "an architecture file must be a YAML mapping, got " + Describe(node));
    errors.ThrowIfAny();
  }
  const MapReader root(node, "", &errors);
  root.RejectUnknownKeys(ChildrenOf(""));
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + Raw(root, "version"));
  }
  Maps maps(root);
  std::set<std::string> failed;
  for (const ArchField& f : ArchFields()) {
    const MapReader* m = maps.Open(ParentOf(f.key));
    if (m == nullptr) {
      continue;
    }
    if (!ReadField(*m, LeafOf(f.key), f, &a)) {
      failed.insert(f.key);
    }
    for (const CombinationCheck& c : kCombinationChecks) {
      if (f.key == c.after) {
        std::vector<CombinationProblem> problems;
        c.check(a, failed, &problems);
        for (const CombinationProblem& p : problems) {
          errors.Add(p.key, p.problem);
        }
      }
    }
  }
  errors.ThrowIfAny();
  return a;
}

}  // namespace

ArchSpec ParseArchSpec(const std::string& yaml_text, const std::string& where) {
  return ParseArchNode(LoadYamlText(yaml_text, where), where);
}

void CheckArchCombinations(const ArchSpec& a) {
  ErrorList errors(a.file);
  for (const CombinationCheck& c : kCombinationChecks) {
    std::vector<CombinationProblem> problems;
    c.check(a, {}, &problems);
    for (const CombinationProblem& p : problems) {
      errors.Add(p.key, p.problem);
    }
  }
  errors.ThrowIfAny();
}

ArchSpec LoadArchSpec(const std::string& path) {
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".cfg") == 0) {
    return ImportScaleSimConfig(path);
  }
  return ParseArchNode(LoadYamlFile(path), path);
}

}  // namespace quasar::models
