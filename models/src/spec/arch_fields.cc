// The accelerator format's fields (arch_fields.h). Limits: extents stay far below int64 so that
// products such as rows * cols * lanes, or a buffer's bytes, cannot overflow in the cost models;
// the upper bounds on rates are far above any real design and catch values given in the wrong
// unit (a clock in Hz or kHz, a bandwidth in bytes per second). The lower bound of every rate is
// kMinRate: one byte or element per thousand cycles, a 1 kHz clock. Below it the figures stop
// being physical long before they stop being finite (a DRAM transfer of a 1 MiB tile at 1e-15
// bytes per cycle is 10^21 cycles, past int64), and what is left is caught by the cycle counts'
// own bound (sim/core/cycle_count.h).

#include "quasar/models/spec/arch_fields.h"

#include <cmath>
#include <cstdio>

#include "quasar/models/fp8_mac.h"

namespace quasar::models {
namespace {

using K = ArchFieldKind;

constexpr double kMinRate = 0.001;

std::vector<std::string> DataflowNames() {
  std::vector<std::string> names;
  for (const DataflowTraits& t : AllDataflows()) {
    names.push_back(t.name);
  }
  return names;
}

// The three buffers share their fields; `B` picks the member.
template <BufferSpec ArchSpec::*B>
std::vector<ArchField> BufferFields(const std::string& name, const std::string& what) {
  return {
      {"buffers." + name + ".kib", K::kInt, false, 1, 1 << 20, "KiB (1024 bytes)", {}, false,
       false, true, false, what + " SRAM capacity",
       [](const ArchSpec& a) -> ArchValue { return (a.*B).kib; },
       [](ArchSpec* a, const ArchValue& v) { (a->*B).kib = std::get<int64_t>(v); }},
      {"buffers." + name + ".word_bytes", K::kInt, false, 1, 1024, "bytes", {}, true, false,
       false, false, "bytes per access (one SRAM row)",
       [](const ArchSpec& a) -> ArchValue { return (a.*B).word_bytes; },
       [](ArchSpec* a, const ArchValue& v) { (a->*B).word_bytes = std::get<int64_t>(v); }},
      {"buffers." + name + ".double_buffered", K::kBool, false, 0, 0, "", {}, false, false, false,
       false, "half the capacity fills while the other half is read (a tile may use half)",
       [](const ArchSpec& a) -> ArchValue { return (a.*B).double_buffered; },
       [](ArchSpec* a, const ArchValue& v) { (a->*B).double_buffered = std::get<bool>(v); }},
  };
}

// "int", then every number format's code name (the values of mac.format).
std::vector<std::string> MacFormatNames() {
  std::vector<std::string> names = {"int"};
  for (const QuantCodeDef& d : QuantCodeDefs()) {
    if (d.format != nullptr) {
      names.push_back(d.name);
    }
  }
  return names;
}

std::vector<ArchField> MakeFields() {
  std::vector<ArchField> f = {
      {"name", K::kText, true, 0, 0, "", {}, false, true, false, false, "the accelerator's name",
       [](const ArchSpec& a) -> ArchValue { return a.name; },
       [](ArchSpec* a, const ArchValue& v) { a->name = std::get<std::string>(v); }},
      {"description", K::kText, false, 0, 0, "", {}, false, false, false, true, "free text",
       [](const ArchSpec& a) -> ArchValue { return a.description; },
       [](ArchSpec* a, const ArchValue& v) { a->description = std::get<std::string>(v); }},
      {"source", K::kText, false, 0, 0, "", {}, false, false, false, true,
       "citation of the design it models, if any",
       [](const ArchSpec& a) -> ArchValue { return a.source; },
       [](ArchSpec* a, const ArchValue& v) { a->source = std::get<std::string>(v); }},
      {"array.rows", K::kInt, true, 1, 4096, "PEs", {}, false, false, true, false,
       "PE rows of the systolic array",
       [](const ArchSpec& a) -> ArchValue { return a.rows; },
       [](ArchSpec* a, const ArchValue& v) { a->rows = std::get<int64_t>(v); }},
      {"array.cols", K::kInt, true, 1, 4096, "PEs", {}, false, false, true, false,
       "PE columns of the systolic array",
       [](const ArchSpec& a) -> ArchValue { return a.cols; },
       [](ArchSpec* a, const ArchValue& v) { a->cols = std::get<int64_t>(v); }},
      {"array.dataflow", K::kName, true, 0, 0, "", DataflowNames(), false, false, true, false,
       "output, weight or input stationary (see Dataflows)",
       [](const ArchSpec& a) -> ArchValue { return DataflowName(a.dataflow); },
       [](ArchSpec* a, const ArchValue& v) {
         a->dataflow = *ParseDataflow(std::get<std::string>(v));
       }},
      {"mac.weight_bits", K::kInt, false, 1, 16, "bits", {}, false, false, true, false,
       "weight width the multiplier is built for",
       [](const ArchSpec& a) -> ArchValue { return int64_t{a.mac.weight_bits}; },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.weight_bits = static_cast<int>(std::get<int64_t>(v));
       }},
      {"mac.activation_bits", K::kInt, false, 1, 16, "bits", {}, false, false, true, false,
       "activation width the multiplier is built for",
       [](const ArchSpec& a) -> ArchValue { return int64_t{a.mac.activation_bits}; },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.activation_bits = static_cast<int>(std::get<int64_t>(v));
       }},
      {"mac.signed", K::kBool, false, 0, 0, "", {}, false, false, true, false,
       "two's complement operands (false: unsigned)",
       [](const ArchSpec& a) -> ArchValue { return a.mac.is_signed; },
       [](ArchSpec* a, const ArchValue& v) { a->mac.is_signed = std::get<bool>(v); }},
      {"mac.accumulator.bits", K::kInt, false, kMinAccumulatorBits, kMaxFp8AccumulatorBits, "bits",
       {}, false, false, true, false, "accumulator register width (65..128: an FP8 MAC's only)",
       [](const ArchSpec& a) -> ArchValue { return int64_t{a.mac.accumulator.bits}; },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.accumulator.bits = static_cast<int>(std::get<int64_t>(v));
       }},
      {"mac.accumulator.overflow", K::kName, false, 0, 0, "",
       {OverflowModeName(OverflowMode::kWrap), OverflowModeName(OverflowMode::kSaturate)}, false,
       false, true, false, "what the register does at each addition that overflows",
       [](const ArchSpec& a) -> ArchValue { return OverflowModeName(a.mac.accumulator.overflow); },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.accumulator.overflow = *ParseOverflowMode(std::get<std::string>(v));
       },
       false},
      {"mac.precision_scaling", K::kName, false, 0, 0, "",
       {PrecisionScalingName(PrecisionScaling::kNone),
        PrecisionScalingName(PrecisionScaling::kBitFusion)},
       false, false, true, false, "how narrower operands run (see Throughput)",
       [](const ArchSpec& a) -> ArchValue { return PrecisionScalingName(a.mac.scaling); },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.scaling = *ParsePrecisionScaling(std::get<std::string>(v));
       }},
      {"mac.binary_lanes", K::kInt, false, 0, 1024, "lanes per PE", {}, false, false, true, false,
       "XNOR-popcount lanes for binary x binary layers; 0: no binary mode",
       [](const ArchSpec& a) -> ArchValue { return int64_t{a.mac.binary_lanes}; },
       [](ArchSpec* a, const ArchValue& v) {
         a->mac.binary_lanes = static_cast<int>(std::get<int64_t>(v));
       }},
      {"mac.format", K::kName, false, 0, 0, "", MacFormatNames(), false, false, false, false,
       "int, or the number format it multiplies (docs/formats.md)",
       [](const ArchSpec& a) -> ArchValue {
         return a.mac.format == QuantCode::kLinear ? std::string("int")
                                                   : QuantCodeName(a.mac.format);
       },
       [](ArchSpec* a, const ArchValue& v) {
         const std::string& name = std::get<std::string>(v);
         a->mac.format = name == "int" ? QuantCode::kLinear : *ParseQuantCode(name);
       }},
  };
  for (auto fields : {BufferFields<&ArchSpec::input>("input", "input-activation"),
                      BufferFields<&ArchSpec::weight>("weight", "weight"),
                      BufferFields<&ArchSpec::output>("output", "output/accumulator")}) {
    f.insert(f.end(), fields.begin(), fields.end());
  }
  const std::vector<ArchField> rest = {
      {"dram.bytes_per_cycle", K::kReal, false, kMinRate, 65536, "bytes per cycle", {}, false, false,
       true, false, "sustained DRAM bandwidth, in accelerator cycles",
       [](const ArchSpec& a) -> ArchValue { return a.dram.bytes_per_cycle; },
       [](ArchSpec* a, const ArchValue& v) { a->dram.bytes_per_cycle = std::get<double>(v); }},
      {"dram.latency_cycles", K::kInt, false, 0, 1e9, "cycles", {}, false, false, true, false,
       "from a DRAM request to its first byte",
       [](const ArchSpec& a) -> ArchValue { return a.dram.latency_cycles; },
       [](ArchSpec* a, const ArchValue& v) { a->dram.latency_cycles = std::get<int64_t>(v); }},
      {"clock_mhz", K::kReal, false, kMinRate, 100000, "MHz", {}, false, false, true, false,
       "accelerator clock",
       [](const ArchSpec& a) -> ArchValue { return a.clock_mhz; },
       [](ArchSpec* a, const ArchValue& v) { a->clock_mhz = std::get<double>(v); }, false},
      {"technology", K::kText, false, 0, 0, "", {}, false, true, false, false,
       "a built-in energy/area table, or a table YAML's path (relative to this file); checked "
       "by the cost model",
       [](const ArchSpec& a) -> ArchValue { return a.technology; },
       [](ArchSpec* a, const ArchValue& v) { a->technology = std::get<std::string>(v); }},
      {"post_processing.elements_per_cycle", K::kReal, false, kMinRate, 1048576, "elements per cycle",
       {}, false, false, true, false,
       "throughput of the requantization / activation / pooling unit",
       [](const ArchSpec& a) -> ArchValue { return a.post_elements_per_cycle; },
       [](ArchSpec* a, const ArchValue& v) { a->post_elements_per_cycle = std::get<double>(v); }},
      {"conventions", K::kName, false, 0, 0, "",
       {ConventionsName(Conventions::kQuasar), ConventionsName(Conventions::kScaleSim)}, false,
       false, true, false,
       "the analytical model's conventions: Quasar's, or SCALE-Sim v2's (docs/scalesim.md)",
       [](const ArchSpec& a) -> ArchValue { return ConventionsName(a.conventions); },
       [](ArchSpec* a, const ArchValue& v) {
         a->conventions = *ParseConventions(std::get<std::string>(v));
       }},
  };
  f.insert(f.end(), rest.begin(), rest.end());
  return f;
}

}  // namespace

std::string ShortestNumber(double v) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) {
      break;
    }
  }
  return buf;
}

namespace {

std::string Ticked(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "`" : ", `") + n + "`";
  }
  return out;
}

}  // namespace

const std::vector<ArchField>& ArchFields() {
  static const std::vector<ArchField> fields = MakeFields();
  return fields;
}

const ArchField* FindArchField(const std::string& key) {
  for (const ArchField& f : ArchFields()) {
    if (f.key == key) {
      return &f;
    }
  }
  return nullptr;
}

std::string ArchFieldRange(const ArchField& f) {
  const std::string unit = f.unit.empty() ? "" : f.unit + ", ";
  switch (f.kind) {
    case K::kInt:
      return unit + (f.power_of_two ? "a power of two " : "") + ShortestNumber(f.lo) + ".." +
             ShortestNumber(f.hi);
    case K::kReal:
      return unit + ShortestNumber(f.lo) + ".." + ShortestNumber(f.hi);
    case K::kName:
      return Ticked(f.names);
    case K::kBool:
      return "`true`, `false`";
    case K::kText:
      return f.non_empty ? "non-empty text" : "text";
  }
  return "";
}

bool RealInRange(const ArchField& f, double v) { return v >= f.lo && v <= f.hi; }

std::string RealRangeRule(const ArchField& f) {
  return "must be a number >= " + ShortestNumber(f.lo) + " and <= " + ShortestNumber(f.hi);
}

std::string ArchFieldDefault(const ArchField& f) {
  if (f.required) {
    return "";
  }
  const ArchValue v = f.get(ArchSpec{});
  if (const auto* i = std::get_if<int64_t>(&v)) {
    return std::to_string(*i);
  }
  if (const auto* d = std::get_if<double>(&v)) {
    return ShortestNumber(*d);
  }
  if (const auto* b = std::get_if<bool>(&v)) {
    return *b ? "`true`" : "`false`";
  }
  const std::string& s = std::get<std::string>(v);
  return s.empty() ? "empty" : "`" + s + "`";
}

std::string ArchFieldsMarkdown() {
  std::string out =
      "| key | required | unit, range | default | sweepable | meaning |\n"
      "|---|---|---|---|---|---|\n"
      "| `version` | yes | `1` |  | no | format version |\n";
  for (const ArchField& f : ArchFields()) {
    out += "| `" + f.key + "` | " + (f.required ? "yes" : "no") + " | " + ArchFieldRange(f) +
           " | " + ArchFieldDefault(f) + " | " + (f.sweepable ? "yes" : "no") + " | " + f.doc +
           " |\n";
  }
  return out;
}

}  // namespace quasar::models
