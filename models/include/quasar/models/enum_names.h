#pragma once
// One table of names per enum, read by its Name, Parse and Choices functions, so that the three
// cannot disagree. A table lists each value once by its canonical name, first; further entries
// for a value are accepted aliases (ParseEnum reads them, EnumName and EnumChoices skip them).
//
//   constexpr EnumTable<OverflowMode, 2> kOverflowModes = {
//       {{OverflowMode::kWrap, "wrap"}, {OverflowMode::kSaturate, "saturate"}}};
//   std::string OverflowModeName(OverflowMode m) { return EnumName(kOverflowModes, m); }

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

namespace quasar::models {

template <typename E, size_t N>
using EnumTable = std::array<std::pair<E, const char*>, N>;

// The value's canonical name (its first entry), "?" for a value the table lacks.
template <typename E, size_t N>
const char* EnumName(const EnumTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) {
      return name;
    }
  }
  return "?";
}

// The value named `name` (canonical or alias), nullopt otherwise.
template <typename E, size_t N>
std::optional<E> ParseEnum(const EnumTable<E, N>& table, const std::string& name) {
  for (const auto& [v, n] : table) {
    if (name == n) {
      return v;
    }
  }
  return std::nullopt;
}

// The canonical names in table order, joined by `sep` (for messages and help).
template <typename E, size_t N>
std::string EnumChoices(const EnumTable<E, N>& table, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    bool alias = false;
    for (size_t j = 0; j < i; ++j) {
      alias = alias || table[j].first == table[i].first;
    }
    if (!alias) {
      out += (out.empty() ? "" : sep) + std::string(table[i].second);
    }
  }
  return out;
}

}  // namespace quasar::models
