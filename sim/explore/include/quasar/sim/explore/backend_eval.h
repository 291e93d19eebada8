#pragma once
// A network on any backend of the registry, as `quasar compare` and `quasar sweep` run it
// (`--backend NAME`). A backend that moves no values (analytical) prices the schedule; one that
// moves values runs the network quantized after training (synthetic weights of `seed`) and is
// checked against the golden reference on every element (sim::RunChecked; a network in number
// formats against its golden format run, sim::cycle::RunCheckedFormats); a disagreement is a
// BackendMismatch.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "quasar/compiler/schedule.h"
#include "quasar/models/cost/cost_table.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/network.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/spec/arch_spec.h"
#include "quasar/models/tensor.h"
#include "quasar/sim/core/backend.h"
#include "quasar/sim/core/perf.h"

namespace quasar::sim::explore {

// A backend that moved values and disagrees with the golden reference (exit 4 in the CLI).
class BackendMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a backend that moves values runs: a network quantized after training (synthetic weights
// of `seed`, `calib_samples` calibration inputs) and its inputs (sample 0 of `seed`), or for a
// network in number formats its emulation calibrated the same way (`quasar run`, `verify`,
// `compare` and `sweep` all take it from here). It depends only on the network and its
// precision, not on the accelerator.
struct BackendValues {
  models::QuantizedNetwork qnet;
  std::map<std::string, models::FloatTensor> inputs;
  // A network in number formats (models::NeedsEmulation), which has no integer codes: no qnet,
  // but its float weights and their emulation, for its golden format run
  // (sim/cycle/format_run_check.h).
  models::FloatNetParams params;
  std::optional<models::EmulatedNetwork> emulated;
};
BackendValues QuantizeForBackend(const models::NetworkSpec& net, uint64_t seed, int calib_samples);

// Gives RunOnBackend the BackendValues of its network; called at most once per run, and only
// when the backend moves values and every layer can run.
using BackendValuesSource = std::function<const BackendValues&()>;

// The performance of `schedule` (compiled from `net` for `arch`) on `backend`, priced with
// `table`. Throws InputError when the backend cannot run the job, BackendMismatch when it
// disagrees with the golden reference.
NetworkPerf RunOnBackend(const BackendInfo& backend, const compiler::Schedule& schedule,
                         const models::ArchSpec& arch, const models::CostTable& table,
                         const models::NetworkSpec& net, const BackendValuesSource& values);
// As above, quantizing `net` for this run alone (QuantizeForBackend).
NetworkPerf RunOnBackend(const BackendInfo& backend, const compiler::Schedule& schedule,
                         const models::ArchSpec& arch, const models::CostTable& table,
                         const models::NetworkSpec& net, uint64_t seed, int calib_samples);

}  // namespace quasar::sim::explore
