// The accelerator description: precision-scaling names, the MAC's throughput
// formulas, and parsing and validation of the version-1 format (docs/arch-format.md).

#include "quasar/models/spec/arch_spec.h"

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"
#include "quasar/models/spec/accumulator_reader.h"
#include "quasar/models/spec/yaml_reader.h"

namespace quasar::models {

constexpr EnumTable<PrecisionScaling, 2> kScalings = {
    {{PrecisionScaling::kNone, "none"}, {PrecisionScaling::kBitFusion, "bit_fusion"}}};

std::string PrecisionScalingName(PrecisionScaling s) { return EnumName(kScalings, s); }

std::optional<PrecisionScaling> ParsePrecisionScaling(const std::string& name) {
  return ParseEnum(kScalings, name);
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

// Limits. Extents stay far below kMaxExtent so that products such as rows*cols*lanes, or a
// buffer's bytes, cannot overflow int64 in the cost models.
constexpr int64_t kMaxArrayDim = 4096;
constexpr int64_t kMaxKib = int64_t{1} << 20;  // 1 GiB per buffer
constexpr int64_t kMaxWordBytes = 1024;
constexpr int64_t kMaxLanes = 1024;
constexpr int64_t kMaxLatency = 1000000000;
// Upper bounds on rates: far above any real design, they catch values given in the wrong unit
// (a clock in Hz or kHz, a bandwidth in bytes per second).
constexpr double kMaxClockMhz = 100000;           // 100 GHz
constexpr double kMaxBytesPerCycle = 65536;       // 64 KiB per cycle
constexpr double kMaxElementsPerCycle = 1048576;  // 2^20 outputs per cycle

// The value as written in the file, for messages.
std::string Raw(const MapReader& m, const std::string& key) { return m.Get(key).Scalar(); }

// An integer key in [lo, hi]; the value is stored only when valid. False if an error was
// recorded.
template <typename T>
bool ReadIntIn(const MapReader& m, const std::string& key, bool required, int64_t lo, int64_t hi,
               T* out) {
  const bool present = m.Has(key);
  const auto v = m.Int(key, required);  // records a missing required key or a non-integer
  if (!v) {
    return !present && !required;
  }
  if (*v < lo || *v > hi) {
    m.Error(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                     Raw(m, key));
    return false;
  }
  *out = static_cast<T>(*v);
  return true;
}

// A number in (0, hi]: positive, finite and below the unit-mistake bound.
void ReadPositive(const MapReader& m, const std::string& key, double hi, const char* unit,
                  double* out) {
  if (auto v = m.Double(key, false)) {
    if (!(*v > 0 && *v <= hi)) {  // also rejects NaN
      std::string bound = std::to_string(static_cast<int64_t>(hi));
      m.Error(key, std::string("must be a number > 0 and <= ") + bound + " " + unit + ", got " +
                       Raw(m, key));
    } else {
      *out = *v;
    }
  }
}

// A string key that must not be empty when present.
void ReadText(const MapReader& m, const std::string& key, bool required, std::string* out) {
  if (auto s = m.String(key, required)) {
    if (s->empty()) {
      m.Error(key, "must not be empty, got ''");
    } else {
      *out = *s;
    }
  }
}

void ReadArray(const MapReader& root, ArchSpec* a) {
  auto m = root.Map("array", true);
  if (!m) {
    return;
  }
  m->RejectUnknownKeys({"rows", "cols", "dataflow"});
  ReadIntIn(*m, "rows", true, 1, kMaxArrayDim, &a->rows);
  ReadIntIn(*m, "cols", true, 1, kMaxArrayDim, &a->cols);
  if (auto d = m->String("dataflow", true)) {
    if (auto parsed = ParseDataflow(*d)) {
      a->dataflow = *parsed;
    } else {
      m->Error("dataflow", "must be os, ws or is, got '" + *d + "'");
    }
  }
}

void ReadMac(const MapReader& root, MacSpec* mac) {
  auto m = root.Map("mac", false);
  if (!m) {
    return;
  }
  m->RejectUnknownKeys({"weight_bits", "activation_bits", "signed", "accumulator",
                        "precision_scaling", "binary_lanes"});
  const bool w_ok = ReadIntIn(*m, "weight_bits", false, 1, 16, &mac->weight_bits);
  const bool a_ok = ReadIntIn(*m, "activation_bits", false, 1, 16, &mac->activation_bits);
  if (auto s = m->Bool("signed", false)) {
    mac->is_signed = *s;
  }
  ReadAccumulator(*m).ApplyTo(&mac->accumulator);  // as in the layer and network formats
  if (auto s = m->String("precision_scaling", false)) {
    if (auto parsed = ParsePrecisionScaling(*s)) {
      mac->scaling = *parsed;
    } else {
      m->Error("precision_scaling", "must be none or bit_fusion, got '" + *s + "'");
    }
  }
  // Bit Fusion fuses 2-bit BitBricks in powers of two, so each MAC width must be a power of two
  // of at least one brick: then every narrower power-of-two operand divides it.
  if (mac->scaling == PrecisionScaling::kBitFusion) {
    for (const char* key : {"weight_bits", "activation_bits"}) {
      const bool weights = std::string(key) == "weight_bits";
      const int bits = weights ? mac->weight_bits : mac->activation_bits;
      if ((weights ? w_ok : a_ok) && (bits < 2 || !IsPowerOfTwo(bits))) {
        m->Error(key,
                 "precision_scaling bit_fusion needs a power of two in 2..16 (a whole number of "
                 "2-bit BitBricks that narrower power-of-two operands divide), got " +
                     std::to_string(bits));
      }
    }
  }
  ReadIntIn(*m, "binary_lanes", false, 0, kMaxLanes, &mac->binary_lanes);
}

void ReadBuffer(const MapReader& buffers, const char* key, BufferSpec* b) {
  auto m = buffers.Map(key, false);
  if (!m) {
    return;
  }
  m->RejectUnknownKeys({"kib", "word_bytes", "double_buffered"});
  ReadIntIn(*m, "kib", false, 1, kMaxKib, &b->kib);
  if (auto w = m->Int("word_bytes", false)) {
    if (*w < 1 || *w > kMaxWordBytes || !IsPowerOfTwo(*w)) {
      m->Error("word_bytes", "must be a power of two in 1.." + std::to_string(kMaxWordBytes) +
                                 ", got " + Raw(*m, "word_bytes"));
    } else {
      b->word_bytes = *w;
    }
  }
  if (auto d = m->Bool("double_buffered", false)) {
    b->double_buffered = *d;
  }
}

ArchSpec ParseArchNode(const YAML::Node& node, const std::string& where) {
  ErrorList errors(where);
  ArchSpec a;
  a.file = where;
  if (!node.IsMap()) {
    errors.Add("", "an architecture file must be a YAML mapping, got " + Describe(node));
    errors.ThrowIfAny();
  }
  const MapReader root(node, "", &errors);
  root.RejectUnknownKeys({"version", "name", "description", "source", "array", "mac", "buffers",
                          "dram", "clock_mhz", "technology", "post_processing"});
  if (auto v = root.Int("version", true); v && *v != 1) {
    root.Error("version", "must be 1, got " + Raw(root, "version"));
  }
  ReadText(root, "name", true, &a.name);
  a.description = root.String("description", false).value_or("");
  a.source = root.String("source", false).value_or("");
  ReadArray(root, &a);
  ReadMac(root, &a.mac);
  if (auto b = root.Map("buffers", false)) {
    b->RejectUnknownKeys({"input", "weight", "output"});
    ReadBuffer(*b, "input", &a.input);
    ReadBuffer(*b, "weight", &a.weight);
    ReadBuffer(*b, "output", &a.output);
  }
  if (auto d = root.Map("dram", false)) {
    d->RejectUnknownKeys({"bytes_per_cycle", "latency_cycles"});
    ReadPositive(*d, "bytes_per_cycle", kMaxBytesPerCycle, "bytes per cycle",
                 &a.dram.bytes_per_cycle);
    ReadIntIn(*d, "latency_cycles", false, 0, kMaxLatency, &a.dram.latency_cycles);
  }
  ReadPositive(root, "clock_mhz", kMaxClockMhz, "MHz", &a.clock_mhz);
  ReadText(root, "technology", false, &a.technology);
  if (auto p = root.Map("post_processing", false)) {
    p->RejectUnknownKeys({"elements_per_cycle"});
    ReadPositive(*p, "elements_per_cycle", kMaxElementsPerCycle, "elements per cycle",
                 &a.post_elements_per_cycle);
  }
  errors.ThrowIfAny();
  return a;
}

}  // namespace

ArchSpec ParseArchSpec(const std::string& yaml_text, const std::string& where) {
  return ParseArchNode(LoadYamlText(yaml_text, where), where);
}

ArchSpec LoadArchSpec(const std::string& path) { return ParseArchNode(LoadYamlFile(path), path); }

}  // namespace quasar::models
