#pragma once
// Validating access to a YAML mapping: typed lookups that record every problem with its key path
// and value in an ErrorList instead of throwing, and rejection of unknown keys. Every Quasar
// input format (layer, network, architecture) is parsed through it.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/error.h"

namespace quasar::models {

// Loads a YAML file; malformed YAML becomes an InputError naming the file, line and column.
YAML::Node LoadYamlFile(const std::string& path);
// The same for YAML text; `where` names its source in the message.
YAML::Node LoadYamlText(const std::string& text, const std::string& where);

// One mapping node and its key path ("weights", "geometry.padding").
class MapReader {
 public:
  MapReader(YAML::Node node, std::string path, ErrorList* errors);

  bool Has(const std::string& key) const;
  YAML::Node Get(const std::string& key) const { return node_[key]; }
  std::string PathOf(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  ErrorList* errors() const { return errors_; }

  // Scalars. A missing required key, or a value of the wrong kind, is recorded and nullopt
  // returned; Optional returns `fallback` when the key is absent.
  std::optional<std::string> String(const std::string& key, bool required) const;
  std::optional<int64_t> Int(const std::string& key, bool required) const;
  std::optional<double> Double(const std::string& key, bool required) const;
  std::optional<bool> Bool(const std::string& key, bool required) const;
  // A scalar or a list of scalars.
  std::optional<std::vector<int64_t>> IntList(const std::string& key, bool required) const;
  std::optional<std::vector<double>> DoubleList(const std::string& key, bool required) const;
  std::optional<std::vector<std::string>> StringList(const std::string& key, bool required) const;
  // An optional key naming one value of an enum, read by `parse`: nullopt when absent, or (with
  // the error "must be <choices>, got '<name>'") when `parse` does not know the name.
  template <typename E>
  std::optional<E> Choice(const std::string& key, std::optional<E> (*parse)(const std::string&),
                          const std::string& choices) const {
    const std::optional<std::string> name = String(key, false);
    if (!name) return std::nullopt;
    const std::optional<E> value = parse(*name);
    if (!value) Error(key, "must be " + choices + ", got '" + *name + "'");
    return value;
  }
  // A nested mapping; nullopt (and an error) if present but not a mapping.
  std::optional<MapReader> Map(const std::string& key, bool required) const;

  // The keys of the mapping, in file order (non-scalar keys rendered as text).
  std::vector<std::string> Keys() const;
  // Records an error for every key that appears twice (YAML forbids it; yaml-cpp keeps the
  // first silently).
  void RejectDuplicateKeys() const;
  // Records an error for every key not in `allowed`, and for duplicated keys.
  void RejectUnknownKeys(std::initializer_list<const char*> allowed) const;
  void RejectUnknownKeys(const std::vector<std::string>& allowed) const;
  void Error(const std::string& key, const std::string& problem) const {
    errors_->Add(PathOf(key), problem);
  }

 private:
  YAML::Node node_;
  std::string path_;
  ErrorList* errors_;
};

// Renders a node for an error message ("got 'abc'", "got [1, 2]").
std::string Describe(const YAML::Node& node);

}  // namespace quasar::models
