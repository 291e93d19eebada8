// QuantizePostTraining (quantized_net.h): the calibration inputs every command quantizes with.

#include <algorithm>

#include "quasar/models/net/float_net.h"
#include "quasar/models/net/quantized_net.h"

namespace quasar::models {

std::vector<std::map<std::string, FloatTensor>> PostTrainingCalibration(const NetworkSpec& net,
                                                                        uint64_t seed,
                                                                        int calib_samples) {
  // Real calibration files, when the network lists them, set the number of samples.
  size_t files = 0;
  for (const NetInput& in : net.inputs) {
    files = std::max(files, in.calibration.size());
  }
  const int samples = files > 0 ? static_cast<int>(files) : calib_samples;
  std::vector<std::map<std::string, FloatTensor>> calib;
  for (int s = 1; s <= samples; ++s) {
    calib.push_back(MakeInputs(net, seed, s));
  }
  return calib;
}

QuantizedNetwork QuantizePostTraining(const NetworkSpec& net, const FloatNetParams& params,
                                      uint64_t seed, int calib_samples,
                                      const std::function<void(const std::string&)>& progress) {
  for (const NetInput& in : net.inputs) {
    if (progress && !in.file.empty() && in.calibration.empty()) {
      progress("note: input '" + in.name + "' is evaluated on " + in.file +
               " but calibrated on synthetic samples; list real ones under its `calibration:` "
               "key");
    }
  }
  const std::vector<std::map<std::string, FloatTensor>> calib =
      PostTrainingCalibration(net, seed, calib_samples);
  QuantizeOptions options;
  options.progress = progress;
  QuantizedNetwork q = QuantizeNetwork(net, params, calib, options);
  q.seed = seed;
  return q;
}

}  // namespace quasar::models
