// ArchSpec -> version-1 YAML (docs/arch-format.md) with every key explicit, so a sweep can save
// the exact configuration it ran and ParseArchSpec reads it back unchanged.

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "quasar/models/spec/arch_spec.h"

namespace quasar::models {
namespace {

// The shortest decimal text that reads back as exactly `v` ("0.1", not yaml-cpp's default
// "0.10000000000000001"; "700", not "700.0").
std::string ShortestDouble(double v) {
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {  // integral: "200", never "2e+02"
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

void EmitBuffer(YAML::Emitter& out, const char* key, const BufferSpec& b) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "kib" << YAML::Value << b.kib;
  out << YAML::Key << "word_bytes" << YAML::Value << b.word_bytes;
  out << YAML::Key << "double_buffered" << YAML::Value << b.double_buffered;
  out << YAML::EndMap;
}

}  // namespace

std::string ArchSpecToYaml(const ArchSpec& a) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << 1;
  out << YAML::Key << "name" << YAML::Value << a.name;
  if (!a.description.empty()) {
    out << YAML::Key << "description" << YAML::Value << a.description;
  }
  if (!a.source.empty()) {
    out << YAML::Key << "source" << YAML::Value << a.source;
  }
  out << YAML::Key << "array" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "rows" << YAML::Value << a.rows;
  out << YAML::Key << "cols" << YAML::Value << a.cols;
  out << YAML::Key << "dataflow" << YAML::Value << DataflowName(a.dataflow);
  out << YAML::EndMap;

  const MacSpec& m = a.mac;
  out << YAML::Key << "mac" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "weight_bits" << YAML::Value << m.weight_bits;
  out << YAML::Key << "activation_bits" << YAML::Value << m.activation_bits;
  out << YAML::Key << "signed" << YAML::Value << m.is_signed;
  out << YAML::Key << "accumulator" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "bits" << YAML::Value << m.accumulator.bits;
  out << YAML::Key << "overflow" << YAML::Value << OverflowModeName(m.accumulator.overflow);
  out << YAML::EndMap;
  out << YAML::Key << "precision_scaling" << YAML::Value << PrecisionScalingName(m.scaling);
  out << YAML::Key << "binary_lanes" << YAML::Value << m.binary_lanes;
  out << YAML::EndMap;

  out << YAML::Key << "buffers" << YAML::Value << YAML::BeginMap;
  EmitBuffer(out, "input", a.input);
  EmitBuffer(out, "weight", a.weight);
  EmitBuffer(out, "output", a.output);
  out << YAML::EndMap;

  out << YAML::Key << "dram" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "bytes_per_cycle" << YAML::Value << ShortestDouble(a.dram.bytes_per_cycle);
  out << YAML::Key << "latency_cycles" << YAML::Value << a.dram.latency_cycles;
  out << YAML::EndMap;
  out << YAML::Key << "clock_mhz" << YAML::Value << ShortestDouble(a.clock_mhz);
  out << YAML::Key << "technology" << YAML::Value << a.technology;
  out << YAML::Key << "post_processing" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "elements_per_cycle" << YAML::Value
      << ShortestDouble(a.post_elements_per_cycle);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace quasar::models
