#include "op_keys.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <tuple>

#include "quasar/models/net/ops.h"
#include "quasar/models/spec/geometry_reader.h"

namespace quasar::models {

void KeyWriter::Int(const char* key, int64_t value) {
  out_ << YAML::Key << key << YAML::Value << value;
}

void KeyWriter::Double(const char* key, double value) {
  out_ << YAML::Key << key << YAML::Value << value;
}

void KeyWriter::Bool(const char* key, bool value) {
  out_ << YAML::Key << key << YAML::Value << value;
}

void KeyWriter::String(const char* key, const std::string& value) {
  out_ << YAML::Key << key << YAML::Value << value;
}

void KeyWriter::IntList(const char* key, const std::vector<int64_t>& values) {
  out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (int64_t x : values) {
    out_ << x;
  }
  out_ << YAML::EndSeq;
}

void KeyWriter::DoubleList(const char* key, const std::vector<double>& values) {
  out_ << YAML::Key << key << YAML::Value << YAML::Flow << values;
}

void KeyWriter::StringList(const char* key, const std::vector<std::string>& values) {
  out_ << YAML::Key << key << YAML::Value << YAML::Flow << values;
}

void KeyWriter::IntMap(const char* key,
                       std::initializer_list<std::pair<const char*, int64_t>> entries) {
  out_ << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [name, value] : entries) {
    out_ << YAML::Key << name << YAML::Value << value;
  }
  out_ << YAML::EndMap;
}

void KeyWriter::Pair(const char* key, int64_t h, int64_t w, int64_t identity) {
  if (h == identity && w == identity) {
    return;
  }
  if (h == w) {
    Int(key, h);
  } else {
    IntList(key, {h, w});
  }
}

namespace {

bool Takes(NetOp op, const char* key) {
  const auto& keys = OpOf(op).keys;
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

void WriteWindowKeys(KeyWriter& w, const NetLayer& l, bool pool) {
  const Conv2dGeometry& g = l.geometry;
  w.Pair("kernel", l.kernel_h, l.kernel_w, -1);
  w.Pair("stride", g.stride_h, g.stride_w, pool ? -1 : 1);  // a pool's is always written
  if (g.pad_top || g.pad_bottom || g.pad_left || g.pad_right) {
    w.IntMap("padding", {{"top", g.pad_top},
                         {"bottom", g.pad_bottom},
                         {"left", g.pad_left},
                         {"right", g.pad_right}});
  }
  if (Takes(l.op, "dilation")) {
    w.Pair("dilation", g.dilation_h, g.dilation_w, 1);
  }
  if (Takes(l.op, "groups") && g.groups != 1) {
    w.Int("groups", g.groups);
  }
  if (Takes(l.op, "output_padding")) {
    w.Pair("output_padding", g.output_pad_h, g.output_pad_w, 0);
  }
}

void ReadWindowKeys(const MapReader& m, NetLayer* l, bool pool) {
  if (auto k = ReadIntPair(m, "kernel", 1, 1)) {
    std::tie(l->kernel_h, l->kernel_w) = *k;
  }
  if (!m.Has("kernel")) {
    m.Error("kernel", "is required for " + NetOpName(l->op));
  }
  Conv2dGeometry& g = l->geometry;
  if (auto s = ReadIntPair(m, "stride", pool ? -1 : 1, 1)) {
    std::tie(g.stride_h, g.stride_w) = *s;
    if (g.stride_h == -1) {  // pools default to non-overlapping windows
      g.stride_h = l->kernel_h;
      g.stride_w = l->kernel_w;
    }
  }
  if (Takes(l->op, "dilation")) {
    if (auto d = ReadIntPair(m, "dilation", 1, 1)) {
      std::tie(g.dilation_h, g.dilation_w) = *d;
    }
  }
  ReadPadding(m, "padding", &g);
  if (Takes(l->op, "output_padding")) {
    if (auto p = ReadIntPair(m, "output_padding", 0, 0)) {
      std::tie(g.output_pad_h, g.output_pad_w) = *p;
    }
  }
  if (Takes(l->op, "groups")) {
    ReadExtent(m, "groups", false, &g.groups);
  }
}

void ReadExtent(const MapReader& m, const char* key, bool required, int64_t* field) {
  if (auto v = m.Int(key, required)) {
    *field = *v;
    if (*v < 1 || *v > kMaxExtent) {
      m.Error(key, "must be in 1.." + std::to_string(kMaxExtent) + ", got " + std::to_string(*v));
    }
  }
}

}  // namespace quasar::models
