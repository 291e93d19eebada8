#pragma once
// --timing, one option for every command whose report can carry wall-clock figures (`infer`,
// `run` with a backend that moves values, `verify`): JSON reports carry them only on request, so
// that two runs with the same seed write the same bytes (docs/reliability.md). Tables always
// print their time line.

#include <CLI/CLI.hpp>
#include <string>

#include "quasar/models/error.h"

namespace quasar::cli {

inline void AddTimingOption(CLI::App* cmd, bool* timing) {
  cmd->add_flag("--timing", *timing,
                "Add the wall-clock figures (seconds) to the JSON report; without it, runs "
                "with the same seed write the same JSON bytes");
}

// InputError when --timing is given where it has no effect: `why_not` says why ("" when it has
// one).
inline void RefuseUselessTiming(bool timing, const std::string& why_not) {
  if (timing && !why_not.empty()) {
    throw InputError("--timing has no effect here: " + why_not);
  }
}

}  // namespace quasar::cli
