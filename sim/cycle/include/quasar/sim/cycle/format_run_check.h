#pragma once
// The golden-vs-backend check (sim/core/check.h) for a network in number formats: runs the
// golden format run (format_network.h, the FP8 MAC's register the job's) and a backend that
// moves values on the same FormatJob, and compares every layer's float32 output bit for bit,
// the FP8 register's overflow counts, and the cycles against a timing reference. `quasar run
// --backend systemc` on such a network calls it.

#include <functional>
#include <string>
#include <vector>

#include "quasar/compiler/schedule.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/check.h"

namespace quasar::sim::cycle {

struct FormatCheckedRun {
  std::map<std::string, models::FloatTensor> golden;  // every tensor of the golden format run
  BackendRun run;
  std::vector<LayerCheck> checks;  // one per layer, in network order, LayerCheck::floats set
  int64_t simulated_macs = 0;
  std::string FirstDisagreement() const;
};

struct FormatRunCheckJob {
  const FormatJob* formats = nullptr;
  const compiler::Schedule* schedule = nullptr;  // compiled for `arch`, every layer feasible
  const models::ArchSpec* arch = nullptr;
  const models::CostTable* table = nullptr;
  const NetworkPerf* timing_reference = nullptr;  // per-layer cycles to compare with
  std::function<void(const std::string&)> progress = nullptr;
};

// Throws InputError as the backend does.
FormatCheckedRun RunCheckedFormats(const Backend& backend, const FormatRunCheckJob& job,
                                   const RunOptions& options);

}  // namespace quasar::sim::cycle
