#pragma once
// `quasar verify` on a network in a number format (FP8, MX, weights per group), which the golden
// integer path does not run: each layer's format GEMMs through their golden kernels and the
// backend's PE array, on the operands of one emulated run (sim/cycle/format_check.h,
// docs/verify.md "Number formats").

#include <set>
#include <string>

#include "quasar/report/verify.h"
#include "quasar/sim/core/backend.h"
#include "target.h"

namespace quasar::cli {

struct FormatVerifyOptions {
  std::set<std::string> layers;  // check only these (empty: all)
  std::string format = "table", out;
  bool timing = false;
};

// Writes the report; returns 0, or kExitMismatch when an element differs.
int VerifyNumberFormats(const Target& t, const TargetOptions& target, const sim::Backend& backend,
                        const sim::RunOptions& run, const report::VerifySubject& subject,
                        const FormatVerifyOptions& o);

}  // namespace quasar::cli
