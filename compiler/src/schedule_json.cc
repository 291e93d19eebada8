#include "quasar/compiler/schedule_json.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "quasar/models/error.h"
#include "quasar/models/net/network.h"
#include "quasar/models/text_file.h"

namespace quasar::compiler {
namespace {

// ordered_json keeps the keys in the documented order when writing.
using Json = nlohmann::ordered_json;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// A value as it appears in the file, shortened for messages.
std::string Describe(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 60) {
    s = s.substr(0, 57) + "...";
  }
  return s;
}

// ---- writing --------------------------------------------------------------------------------

// `s` as a JSON string; InputError if it is not valid UTF-8 (JSON text must be).
Json Text(const std::string& s, const std::string& path) {
  Json j = s;
  try {
    (void)j.dump();
  } catch (const Json::type_error&) {
    throw InputError("schedule: " + path + ": is not valid UTF-8, got " + Describe(j));
  }
  return j;
}

Json LayerToJson(const LayerSchedule& l, const std::string& path) {
  Json j;
  j["index"] = l.index;
  j["name"] = Text(l.name, Join(path, "name"));
  j["op"] = Text(l.op, Join(path, "op"));
  j["kind"] = LayerKindName(l.kind);
  j["gemm"] = {{"count", l.gemm.count}, {"m", l.gemm.m}, {"k", l.gemm.k}, {"n", l.gemm.n}};
  j["bits"] = {{"a_bits", l.bits.a_bits},         {"w_bits", l.bits.w_bits},
               {"out_bits", l.bits.out_bits},     {"mac_a_bits", l.bits.mac_a_bits},
               {"mac_w_bits", l.bits.mac_w_bits}, {"acc_bits", l.bits.acc_bits},
               {"binary", l.bits.binary}};
  // Block scales (MX) only where an operand has them, so integer schedules read as before.
  for (const auto& [name, scale] : {std::pair<const char*, const BlockScale&>{"a", l.bits.a_scale},
                                    {"w", l.bits.w_scale},
                                    {"out", l.bits.out_scale}}) {
    if (scale.block > 0) {
      j["bits"][std::string(name) + "_scale_block"] = scale.block;
      j["bits"][std::string(name) + "_scale_bits"] = scale.bits;
    }
  }
  if (l.bits.w_grouped) {
    j["bits"]["w_grouped"] = true;
  }
  j["pack"] = l.pack;
  j["tiling"] = {{"m", l.tiling.m},
                 {"k", l.tiling.k},
                 {"n", l.tiling.n},
                 {"order", LoopOrderName(l.tiling.order)}};
  j["geometry"] = {{"in_h", l.in_h},         {"in_w", l.in_w},
                   {"out_h", l.out_h},       {"out_w", l.out_w},
                   {"kernel_h", l.kernel_h}, {"kernel_w", l.kernel_w},
                   {"stride_h", l.stride_h}, {"dilation_h", l.dilation_h}};
  j["required_acc_bits"] = l.required_acc_bits;
  j["in_elements"] = l.in_elements;
  j["out_elements"] = l.out_elements;
  j["post"] = {{"multiplies_per_out", l.post_multiplies_per_out},
               {"adds_per_out", l.post_adds_per_out},
               {"compares_per_out", l.post_compares_per_out}};
  j["mapper"] = {{"candidates", l.candidates}, {"feasible_candidates", l.feasible_candidates}};
  j["status"] = Text(l.status, Join(path, "status"));
  j["warnings"] = Json::array();
  for (size_t i = 0; i < l.warnings.size(); ++i) {
    j["warnings"].push_back(Text(l.warnings[i], path + ".warnings[" + std::to_string(i) + "]"));
  }
  return j;
}

// ---- reading --------------------------------------------------------------------------------

template <typename E>
using Choices = std::vector<std::pair<std::string, E>>;

Choices<LoopOrder> LoopOrders() {
  Choices<LoopOrder> c;
  for (LoopOrder o : kAllLoopOrders) {
    c.emplace_back(LoopOrderName(o), o);
  }
  return c;
}

Choices<Objective> Objectives() {
  Choices<Objective> c;
  for (Objective o : {Objective::kCycles, Objective::kEnergy, Objective::kEdp}) {
    c.emplace_back(ObjectiveName(o), o);
  }
  return c;
}

Choices<LayerKind> LayerKinds() {
  Choices<LayerKind> c;
  for (LayerKind k : {LayerKind::kGemm, LayerKind::kPost, LayerKind::kView}) {
    c.emplace_back(LayerKindName(k), k);
  }
  return c;
}

// Reads the keys of one JSON object at `path`, reporting every problem to `errors`. A Reader over
// nullptr (a missing object, already reported) reads nothing and reports nothing more.
class Reader {
 public:
  Reader(const Json* j, std::string path, ErrorList* errors)
      : j_(j), path_(std::move(path)), errors_(errors) {
    if (j_ != nullptr && !j_->is_object()) {
      errors_->Add(path_, "must be a JSON object, got " + Describe(*j_));
    }
  }

  const std::string& path() const { return path_; }

  // Whether the object holds `key` (for optional keys, read with the others only then).
  bool Has(const std::string& key) const {
    return j_ != nullptr && j_->is_object() && j_->find(key) != j_->end();
  }

  // The value of `key`, or nullptr (reported if this object exists) if it is missing.
  const Json* Get(const std::string& key) {
    known_.push_back(key);
    if (j_ == nullptr || !j_->is_object()) {
      return nullptr;
    }
    const auto it = j_->find(key);
    if (it == j_->end()) {
      errors_->Add(Join(path_, key), "is required");
      return nullptr;
    }
    return &*it;
  }

  template <typename T>
  void Int(const std::string& key, int64_t lo, int64_t hi, T* out) {
    hi = std::min<int64_t>(hi, std::numeric_limits<T>::max());
    const Json* v = Get(key);
    if (v == nullptr) {
      return;
    }
    if (!v->is_number_integer()) {
      errors_->Add(Join(path_, key), "must be an integer, got " + Describe(*v));
      return;
    }
    const bool too_big = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{kInt64Max};
    const int64_t x = too_big ? kInt64Max : v->get<int64_t>();
    if (too_big || x < lo || x > hi) {
      const std::string range = lo == hi ? std::to_string(lo)
                                : hi == kInt64Max
                                    ? ">= " + std::to_string(lo)
                                    : "in " + std::to_string(lo) + ".." + std::to_string(hi);
      errors_->Add(Join(path_, key), "must be " + range + ", got " + Describe(*v));
      return;
    }
    *out = static_cast<T>(x);
  }

  void Bool(const std::string& key, bool* out) {
    const Json* v = Get(key);
    if (v != nullptr && !v->is_boolean()) {
      errors_->Add(Join(path_, key), "must be true or false, got " + Describe(*v));
    } else if (v != nullptr) {
      *out = v->get<bool>();
    }
  }

  void String(const std::string& key, std::string* out) {
    const Json* v = Get(key);
    if (v != nullptr) {
      StringValue(*v, Join(path_, key), out);
    }
  }

  template <typename E>
  void Enum(const std::string& key, const Choices<E>& choices, E* out) {
    std::string name;
    const Json* v = Get(key);
    if (v == nullptr || !StringValue(*v, Join(path_, key), &name)) {
      return;
    }
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i].first == name) {
        *out = choices[i].second;
        return;
      }
      list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i].first;
    }
    errors_->Add(Join(path_, key), "must be one of " + list + ", got " + Describe(*v));
  }

  // A layer's op: a network op name (NetOpName).
  void Op(const std::string& key, std::string* out) {
    const Json* v = Get(key);
    std::string name;
    if (v == nullptr || !StringValue(*v, Join(path_, key), &name)) {
      return;
    }
    if (!models::ParseNetOp(name)) {
      errors_->Add(Join(path_, key), std::string("must be one of ") + models::NetOpChoices() +
                                         ", got " + Describe(*v));
      return;
    }
    *out = name;
  }

  Reader Object(const std::string& key) { return Reader(Get(key), Join(path_, key), errors_); }

  // The array at `key`, or nullptr (reported) if it is missing or not an array.
  const Json* Array(const std::string& key) {
    const Json* v = Get(key);
    if (v != nullptr && !v->is_array()) {
      errors_->Add(Join(path_, key), "must be a JSON array, got " + Describe(*v));
      return nullptr;
    }
    return v;
  }

  // Reports every key of the object that no getter asked for.
  void Done() {
    if (j_ == nullptr || !j_->is_object()) {
      return;
    }
    for (auto it = j_->begin(); it != j_->end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) == known_.end()) {
        std::string list;
        for (const auto& k : known_) {
          list += (list.empty() ? "" : ", ") + k;
        }
        errors_->Add(Join(path_, it.key()),
                     "is not a known key (expected " + list + "), got " + Describe(it.value()));
      }
    }
  }

  bool StringValue(const Json& v, const std::string& path, std::string* out) {
    if (!v.is_string()) {
      errors_->Add(path, "must be a string, got " + Describe(v));
      return false;
    }
    *out = v.get<std::string>();
    return true;
  }

 private:
  const Json* j_;
  std::string path_;
  ErrorList* errors_;
  std::vector<std::string> known_;
};

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

LayerSchedule ReadLayer(const Json& j, const std::string& path, ErrorList* errors) {
  LayerSchedule l;
  Reader r(&j, path, errors);
  r.Int("index", 0, kIntMax, &l.index);
  r.String("name", &l.name);
  r.Op("op", &l.op);
  r.Enum("kind", LayerKinds(), &l.kind);
  Reader g = r.Object("gemm");
  g.Int("count", 0, kInt64Max, &l.gemm.count);
  g.Int("m", 0, kInt64Max, &l.gemm.m);
  g.Int("k", 0, kInt64Max, &l.gemm.k);
  g.Int("n", 0, kInt64Max, &l.gemm.n);
  g.Done();
  Reader b = r.Object("bits");
  b.Int("a_bits", 1, 64, &l.bits.a_bits);
  b.Int("w_bits", 1, 64, &l.bits.w_bits);
  b.Int("out_bits", 1, 64, &l.bits.out_bits);
  b.Int("mac_a_bits", 1, 64, &l.bits.mac_a_bits);
  b.Int("mac_w_bits", 1, 64, &l.bits.mac_w_bits);
  b.Int("acc_bits", 1, 64, &l.bits.acc_bits);
  b.Bool("binary", &l.bits.binary);
  for (const auto& [name, scale] : {std::pair<const char*, BlockScale*>{"a", &l.bits.a_scale},
                                    {"w", &l.bits.w_scale},
                                    {"out", &l.bits.out_scale}}) {
    const std::string block = std::string(name) + "_scale_block";
    if (b.Has(block) || b.Has(std::string(name) + "_scale_bits")) {
      b.Int(block, 1, 1 << 20, &scale->block);
      b.Int(std::string(name) + "_scale_bits", 1, 255, &scale->bits);
    }
  }
  if (b.Has("w_grouped")) {
    b.Bool("w_grouped", &l.bits.w_grouped);
  }
  b.Done();
  r.Int("pack", 1, kIntMax, &l.pack);
  Reader t = r.Object("tiling");
  t.Int("m", 1, kInt64Max, &l.tiling.m);
  t.Int("k", 1, kInt64Max, &l.tiling.k);
  t.Int("n", 1, kInt64Max, &l.tiling.n);
  t.Enum("order", LoopOrders(), &l.tiling.order);
  t.Done();
  const size_t errors_before_geometry = errors->messages().size();
  Reader geo = r.Object("geometry");
  geo.Int("in_h", 0, kInt64Max, &l.in_h);
  geo.Int("in_w", 0, kInt64Max, &l.in_w);
  geo.Int("out_h", 0, kInt64Max, &l.out_h);
  geo.Int("out_w", 0, kInt64Max, &l.out_w);
  geo.Int("kernel_h", 0, kInt64Max, &l.kernel_h);
  geo.Int("kernel_w", 0, kInt64Max, &l.kernel_w);
  geo.Int("stride_h", 1, kInt64Max, &l.stride_h);
  geo.Int("dilation_h", 1, kInt64Max, &l.dilation_h);
  geo.Done();
  // InputFootprint divides by these when kernel_h > 0 (a convolution).
  if (l.kernel_h > 0 && errors->messages().size() == errors_before_geometry) {
    const std::pair<const char*, int64_t> conv[] = {{"in_h", l.in_h},
                                                    {"in_w", l.in_w},
                                                    {"out_h", l.out_h},
                                                    {"out_w", l.out_w},
                                                    {"kernel_w", l.kernel_w}};
    for (const auto& [key, value] : conv) {
      if (value < 1) {
        errors->Add(Join(geo.path(), key),
                    "must be >= 1 when kernel_h > 0 (a convolution), got " + std::to_string(value));
      }
    }
  }
  r.Int("required_acc_bits", 0, kIntMax, &l.required_acc_bits);
  r.Int("in_elements", 0, kInt64Max, &l.in_elements);
  r.Int("out_elements", 0, kInt64Max, &l.out_elements);
  Reader p = r.Object("post");
  p.Int("multiplies_per_out", 0, kIntMax, &l.post_multiplies_per_out);
  p.Int("adds_per_out", 0, kIntMax, &l.post_adds_per_out);
  p.Int("compares_per_out", 0, kIntMax, &l.post_compares_per_out);
  p.Done();
  Reader m = r.Object("mapper");
  m.Int("candidates", 0, kInt64Max, &l.candidates);
  m.Int("feasible_candidates", 0, kInt64Max, &l.feasible_candidates);
  m.Done();
  r.String("status", &l.status);
  if (const Json* w = r.Array("warnings")) {
    for (size_t i = 0; i < w->size(); ++i) {
      std::string text;
      if (r.StringValue((*w)[i], path + ".warnings[" + std::to_string(i) + "]", &text)) {
        l.warnings.push_back(text);
      }
    }
  }
  r.Done();
  return l;
}

// Parses `text`, reporting keys that appear twice in one object (nlohmann keeps the last one
// silently, so a hand edit could be lost without a word).
Json Parse(const std::string& text, const std::string& where, ErrorList* errors) {
  struct Frame {
    bool array = false;
    std::string path;
    std::set<std::string> keys;
    std::string key;
    int64_t index = 0;
  };
  std::vector<Frame> stack;
  auto child_path = [&stack]() -> std::string {
    if (stack.empty()) {
      return "";
    }
    const Frame& f = stack.back();
    return f.array ? f.path + "[" + std::to_string(f.index) + "]" : Join(f.path, f.key);
  };
  Json::parser_callback_t callback = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start: {
        Frame f;
        f.array = event == Json::parse_event_t::array_start;
        f.path = child_path();
        stack.push_back(std::move(f));
        break;
      }
      case Json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          errors->Add(Join(f.path, f.key), "appears twice in one object, got " + Describe(parsed));
        }
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        stack.pop_back();
        [[fallthrough]];
      case Json::parse_event_t::value:
        if (!stack.empty() && stack.back().array) {
          ++stack.back().index;
        }
        break;
    }
    return true;
  };
  try {
    return Json::parse(text, callback);
  } catch (const Json::exception& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 1: ...";
    // a number too large for a double is not a parse_error but out_of_range.406, "number
    // overflow parsing '1E999'" (https://json.nlohmann.me/home/exceptions/#jsonexceptionout_of_range406).
    std::string what = e.what();
    const auto start = what.find("] ");
    throw InputError(where + ": malformed JSON: " +
                     (start == std::string::npos ? what : what.substr(start + 2)));
  }
}

}  // namespace

std::string ScheduleToJson(const Schedule& s) {
  Json j;
  j["version"] = s.version;
  j["network"] = Text(s.network, "network");
  j["arch"] = Text(s.arch, "arch");
  j["objective"] = ObjectiveName(s.objective);
  j["layers"] = Json::array();
  for (size_t i = 0; i < s.layers.size(); ++i) {
    j["layers"].push_back(LayerToJson(s.layers[i], "layers[" + std::to_string(i) + "]"));
  }
  return j.dump(2) + "\n";
}

Schedule ScheduleFromJson(const std::string& text, const std::string& where) {
  ErrorList errors(where);
  const Json j = Parse(text, where, &errors);
  Schedule s;
  if (!j.is_object()) {
    errors.Add("", "a schedule must be a JSON object, got " + Describe(j));
    errors.ThrowIfAny();
  }
  Reader r(&j, "", &errors);
  r.Int("version", 1, 1, &s.version);
  r.String("network", &s.network);
  r.String("arch", &s.arch);
  r.Enum("objective", Objectives(), &s.objective);
  if (const Json* layers = r.Array("layers")) {
    for (size_t i = 0; i < layers->size(); ++i) {
      s.layers.push_back(ReadLayer((*layers)[i], "layers[" + std::to_string(i) + "]", &errors));
    }
  }
  r.Done();
  errors.ThrowIfAny();
  return s;
}

void SaveSchedule(const Schedule& s, const std::string& path) {
  const std::string text = ScheduleToJson(s);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw InputError(path + ": cannot open file for writing");
  }
  out << text;
  out.close();
  if (!out) {
    throw InputError(path + ": cannot write file");
  }
}

Schedule LoadSchedule(const std::string& path) {
  return ScheduleFromJson(ReadTextFile(path, "file"), path);
}

}  // namespace quasar::compiler
