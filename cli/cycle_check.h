#pragma once
// `quasar run --backend` and `quasar verify` with a backend that moves values: runs the network
// through the golden kernels and the backend (docs/run-output.md, "Bit-exact check"); the result
// and its table and JSON are the report library's (quasar/report/check.h).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/models/error.h"
#include "quasar/report/check.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/check.h"
#include "target.h"

namespace quasar::cli {

using report::CycleResult;

struct CycleOptionsCli {
  std::string save_outputs;  // directory for one .npy per layer output
  // Traces, fault injection; `array_layers` also limits the check to those layers, and the run
  // stops after the last of them.
  sim::RunOptions run;
};

// What a run on `arch`'s array refused, as the user reads it: the architecture file first, and
// for a sim::cycle::ArrayFitError with a key, the key that sets the width that does not fit.
InputError ArchRefusal(const models::ArchSpec& arch, const InputError& err);

// Quantizes the target's network (synthetic weights, the precision and calibration options)
// and checks `backend` (one that moves values) against the golden reference under `s`
// (sim::RunChecked); `analytical` is the analytical model's report of `s`, for the per-layer
// cycle comparison.
CycleResult RunCheckedBackend(const sim::Backend& backend, const compiler::Schedule& s,
                              const Target& t, const TargetOptions& o, const CycleOptionsCli& c,
                              const sim::NetworkPerf& analytical);

// The same for a network in number formats (models::NeedsEmulation), which has no integer
// codes: emulates and calibrates it as `quasar verify` does, and checks `backend` against its
// golden format run (sim::cycle::RunCheckedFormats). --save-outputs is refused.
CycleResult RunCheckedFormatBackend(const sim::Backend& backend, const compiler::Schedule& s,
                                    const Target& t, const TargetOptions& o,
                                    const CycleOptionsCli& c, const sim::NetworkPerf& analytical);

}  // namespace quasar::cli
