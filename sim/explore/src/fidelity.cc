// MeasureFidelity (compare.h): one golden run of a quantized network against its float network.

#include <map>
#include <stdexcept>
#include <vector>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::sim::explore {

Fidelity MeasureFidelity(const models::NetworkSpec& net, uint64_t seed, int calib_samples,
                         const std::optional<models::AccumulatorSpec>& acc) {
  const models::FloatNetParams params = models::MakeFloatParams(net, seed);
  models::QuantizedNetwork q = models::QuantizePostTraining(net, params, seed, calib_samples);
  if (acc) {
    q = models::WithAccumulator(std::move(q), *acc);
  }
  const auto inputs = models::MakeInputs(net, seed, 0);
  const auto ref = models::RunFloatNetwork(net, params, inputs);
  const models::QuantizedRun run = models::RunQuantizedNetwork(q, inputs);
  for (const auto& [name, db] : models::LayerSqnr(q, run, ref)) {
    if (name == net.output) {
      return Fidelity{db, run.required_bits, run.overflow_events};
    }
  }
  throw std::logic_error("MeasureFidelity: no layer produces the output " + net.output);
}

}  // namespace quasar::sim::explore
