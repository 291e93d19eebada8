#pragma once
// Lookups by name in a table of rows that each have a `name` (const char*): the small-float
// formats, the MX formats and the weight codes.

#include <string>
#include <vector>

#include "quasar/models/error.h"

namespace quasar::models {

// The row named `name`, nullptr if none is.
template <typename Row>
const Row* FindNamedRow(const std::vector<Row>& rows, const std::string& name) {
  for (const Row& r : rows) {
    if (name == r.name) {
      return &r;
    }
  }
  return nullptr;
}

// The rows' names in table order, joined by ", ".
template <typename Row>
std::string RowNames(const std::vector<Row>& rows) {
  std::string names;
  for (const Row& r : rows) {
    names += (names.empty() ? "" : ", ") + std::string(r.name);
  }
  return names;
}

// The row named `name`, or an InputError "unknown <what> '<name>' (expected one of <names>)".
template <typename Row>
const Row& FindNamedRowOrThrow(const std::vector<Row>& rows, const std::string& name,
                               const std::string& what) {
  if (const Row* r = FindNamedRow(rows, name)) {
    return *r;
  }
  throw InputError("unknown " + what + " '" + name + "' (expected one of " + RowNames(rows) + ")");
}

}  // namespace quasar::models
