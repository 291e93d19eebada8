// The golden run of a whole network in number formats (format_network.h).

#include "quasar/sim/cycle/format_network.h"

#include "quasar/models/error.h"
#include "quasar/models/net/ops.h"
#include "quasar/sim/cycle/array_fit_error.h"

namespace quasar::sim::cycle {

std::function<std::optional<models::FloatTensor>(const models::NetLayer&,
                                                 const std::vector<const models::FloatTensor*>&)>
FormatCompute(const models::NetworkSpec& net, const models::FloatNetParams& params,
              const models::EmulatedNetwork& e, const FormatGemmRunner& run,
              const std::function<void(const models::NetLayer&, const std::string&)>& skipped) {
  return [&net, &params, &e, run, skipped](const models::NetLayer& l,
                                           const std::vector<const models::FloatTensor*>& stored)
             -> std::optional<models::FloatTensor> {
    if (!models::AccumulatesProducts(l.op)) {
      return std::nullopt;
    }
    try {
      const FormatLayerOrReason made = MakeFormatLayer(net, l, params, e, stored);
      if (!made.layer) {
        if (skipped) {
          skipped(l, made.reason);
        }
        return std::nullopt;
      }
      return FormatLayerOutput(*made.layer, run(*made.layer));
    } catch (const ArrayFitError& err) {
      throw ArrayFitError("layer '" + l.name + "': " + err.what(), err.key());
    } catch (const InputError& err) {
      throw InputError("layer '" + l.name + "': " + err.what());
    }
  };
}

FormatGemmRunner GoldenFormatKernels(const models::AccumulatorSpec& fp8_acc) {
  return [fp8_acc](const FormatLayer& layer) {
    std::vector<std::vector<float>> y;
    for (const FormatGemm& g : layer.gemms) {
      y.push_back(GoldenFormatGemm(layer, g, fp8_acc, nullptr));
    }
    return y;
  };
}

std::map<std::string, models::FloatTensor> RunFormatNetwork(
    const models::NetworkSpec& net, const models::FloatNetParams& params,
    const models::EmulatedNetwork& e, const std::map<std::string, models::FloatTensor>& inputs,
    const FormatGemmRunner& run,
    const std::function<void(const models::NetLayer&, const std::string&)>& skipped) {
  return models::RunEmulatedNetwork(net, e, inputs, FormatCompute(net, params, e, run, skipped));
}

std::map<std::string, models::FloatTensor> RunGoldenFormatNetwork(
    const models::NetworkSpec& net, const models::FloatNetParams& params,
    const models::EmulatedNetwork& e, const std::map<std::string, models::FloatTensor>& inputs,
    const models::AccumulatorSpec& fp8_acc) {
  return RunFormatNetwork(net, params, e, inputs, GoldenFormatKernels(fp8_acc));
}

}  // namespace quasar::sim::cycle
