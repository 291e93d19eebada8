#pragma once
// Shared by the sweep tests (test_sweep.cc, test_sweep_fidelity.cc): the zoo and preset paths,
// parsing a sweep file from text, its error message, and a temporary file path.

#include <cstdlib>
#include <string>

#include "quasar/models/error.h"
#include "quasar/sim/explore/sweep.h"

namespace quasar::test {

inline const sim::explore::SweepPaths& SweepTestPaths() {
  static const sim::explore::SweepPaths paths{
      std::string(QUASAR_SOURCE_DIR) + "/workloads/networks",
      std::string(QUASAR_SOURCE_DIR) + "/workloads/accelerators"};
  return paths;
}

// A sweep file from text, as if read from "./s.yaml".
inline sim::explore::SweepSpec Parse(const std::string& text) {
  return sim::explore::ParseSweep(text, "s.yaml", ".", SweepTestPaths());
}

// The InputError message of parsing `text`, or "" if it parses.
inline std::string ErrorOf(const std::string& text) {
  try {
    Parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

inline std::string TempPath(const std::string& name) {
  return (std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp")) + "/" + name;
}

}  // namespace quasar::test
