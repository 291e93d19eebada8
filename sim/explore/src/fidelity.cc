// MeasureFidelity (compare.h): one golden run of a quantized network against its float network.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/sim/explore/compare.h"

namespace quasar::sim::explore {

Fidelity MeasureFidelity(const models::NetworkSpec& net, uint64_t seed, int calib_samples,
                         const std::optional<models::AccumulatorSpec>& acc) {
  // Real calibration files, when the network lists them, set the number of samples (as `quasar
  // quantize` and `infer` do).
  size_t files = 0;
  for (const models::NetInput& in : net.inputs) {
    files = std::max(files, in.calibration.size());
  }
  const int samples = files > 0 ? static_cast<int>(files) : calib_samples;
  const models::FloatNetParams params = models::MakeFloatParams(net, seed);
  std::vector<std::map<std::string, models::FloatTensor>> calib;
  for (int s = 1; s <= samples; ++s) {
    calib.push_back(models::MakeInputs(net, seed, s));
  }
  models::QuantizedNetwork q = models::QuantizeNetwork(net, params, calib);
  if (acc) {
    models::SetAccumulator(&q, *acc);
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
