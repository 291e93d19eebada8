#pragma once
// Shared by the sweep tests (test_sweep.cc, test_sweep_fidelity.cc, test_sweep_search.cc): the zoo
// and preset paths, a small sweep, parsing a sweep file from text, its error message, and a
// temporary file path.

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

// LeNet-5 at two precisions over 2 x 2 x 2 array shapes and dataflows: 16 configurations.
inline const char* const kSmall =
    "version: 1\nbase: edge_32x32_os\nnetworks: [lenet5]\nprecisions: [w8a8, w4a4]\n"
    "sweep:\n  array.rows: [4, 8]\n  array.cols: {from: 4, to: 8, factor: 2}\n"
    "  array.dataflow: [os, ws]\n";

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
