#pragma once
// Internal to quasar_models: lower-casing of the SCALE-Sim readers' keys and headers
// (scalesim_config.cc, scalesim_import.cc).

#include <cctype>
#include <string>

namespace quasar::models {

// `s` with every character lower-cased by std::tolower (ASCII letters, in the C locale).
inline std::string AsciiLower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace quasar::models
