#include "quasar/models/spec/yaml_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace quasar::models {
namespace {

template <typename T>
std::optional<T> As(const YAML::Node& n) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

namespace {

InputError MalformedYaml(const std::string& where, const YAML::ParserException& e) {
  return InputError(where + ":" + std::to_string(e.mark.line + 1) + ":" +
                    std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
}

}  // namespace

YAML::Node LoadYamlFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a directory, not a file");
  }
  std::ifstream in(path);
  if (!in) {
    throw InputError(path + ": cannot open file");
  }
  try {
    return YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw MalformedYaml(path, e);
  }
}

YAML::Node LoadYamlText(const std::string& text, const std::string& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw MalformedYaml(where, e);
  }
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  YAML::Emitter out;
  out << YAML::Flow << node;
  return "'" + std::string(out.c_str()) + "'";
}

MapReader::MapReader(YAML::Node node, std::string path, ErrorList* errors)
    : node_(std::move(node)), path_(std::move(path)), errors_(errors) {}

bool MapReader::Has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

std::optional<std::string> MapReader::String(const std::string& key, bool required) const {
  if (!Has(key)) {
    if (required) {
      Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = node_[key];
  if (!n.IsScalar()) {
    Error(key, "must be a string, got " + Describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> MapReader::Int(const std::string& key, bool required) const {
  if (!Has(key)) {
    if (required) {
      Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = node_[key];
  auto v = n.IsScalar() ? As<int64_t>(n) : std::nullopt;
  if (!v) {
    Error(key, "must be an integer, got " + Describe(n));
  }
  return v;
}

std::optional<double> MapReader::Double(const std::string& key, bool required) const {
  if (!Has(key)) {
    if (required) {
      Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = node_[key];
  auto v = n.IsScalar() ? As<double>(n) : std::nullopt;
  if (!v) {
    Error(key, "must be a number, got " + Describe(n));
  }
  return v;
}

std::optional<bool> MapReader::Bool(const std::string& key, bool required) const {
  if (!Has(key)) {
    if (required) {
      Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = node_[key];
  auto v = n.IsScalar() ? As<bool>(n) : std::nullopt;
  if (!v) {
    Error(key, "must be true or false, got " + Describe(n));
  }
  return v;
}

template <typename T>
static std::optional<std::vector<T>> ScalarOrList(const MapReader& r, const std::string& key,
                                                  bool required, const char* what) {
  if (!r.Has(key)) {
    if (required) {
      r.Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = r.Get(key);
  std::vector<T> out;
  if (n.IsScalar()) {
    if (auto v = As<T>(n)) {
      return std::vector<T>{*v};
    }
    r.Error(key, std::string("must be ") + what + " or a list of them, got " + Describe(n));
    return std::nullopt;
  }
  if (!n.IsSequence() || n.size() == 0) {
    r.Error(key,
            std::string("must be ") + what + " or a non-empty list of them, got " + Describe(n));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < n.size(); ++i) {
    auto v = n[i].IsScalar() ? As<T>(n[i]) : std::nullopt;
    if (!v) {
      r.Error(key + "[" + std::to_string(i) + "]",
              std::string("must be ") + what + ", got " + Describe(n[i]));
      ok = false;
    } else {
      out.push_back(*v);
    }
  }
  return ok ? std::optional<std::vector<T>>(out) : std::nullopt;
}

std::optional<std::vector<int64_t>> MapReader::IntList(const std::string& key,
                                                       bool required) const {
  return ScalarOrList<int64_t>(*this, key, required, "an integer");
}

std::optional<std::vector<double>> MapReader::DoubleList(const std::string& key,
                                                         bool required) const {
  return ScalarOrList<double>(*this, key, required, "a number");
}

std::optional<std::vector<std::string>> MapReader::StringList(const std::string& key,
                                                              bool required) const {
  return ScalarOrList<std::string>(*this, key, required, "a string");
}

std::optional<MapReader> MapReader::Map(const std::string& key, bool required) const {
  if (!Has(key)) {
    if (required) {
      Error(key, "is required");
    }
    return std::nullopt;
  }
  const YAML::Node n = node_[key];
  if (!n.IsMap()) {
    Error(key, "must be a mapping, got " + Describe(n));
    return std::nullopt;
  }
  return MapReader(n, PathOf(key), errors_);
}

std::vector<std::string> MapReader::Keys() const {
  std::vector<std::string> keys;
  if (node_.IsMap()) {
    for (const auto& kv : node_) {
      keys.push_back(kv.first.IsScalar() ? kv.first.Scalar() : Describe(kv.first));
    }
  }
  return keys;
}

void MapReader::RejectDuplicateKeys() const {
  std::vector<std::string> seen;
  for (const std::string& key : Keys()) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      errors_->Add(PathOf(key), "appears more than once in the mapping");
    }
    seen.push_back(key);
  }
}

void MapReader::RejectUnknownKeys(std::initializer_list<const char*> allowed) const {
  RejectUnknownKeys(std::vector<std::string>(allowed.begin(), allowed.end()));
}

void MapReader::RejectUnknownKeys(const std::vector<std::string>& allowed) const {
  if (!node_.IsMap()) {
    return;
  }
  RejectDuplicateKeys();
  for (const auto& kv : node_) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : Describe(kv.first);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const std::string& a : allowed) {
        list += (list.empty() ? "" : ", ") + a;
      }
      errors_->Add(PathOf(key), "unknown key (allowed: " + list + ")");
    }
  }
}

}  // namespace quasar::models
