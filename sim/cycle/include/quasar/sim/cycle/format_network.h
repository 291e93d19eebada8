#pragma once
// The golden run of a whole network in number formats: the emulated network (emulated_quant.h)
// with every GEMM layer that has a format kernel (format_layer.h) computed by that kernel on its
// encoded operands, exact block, group or register sums, instead of float32 sums. So the run is
// defined bit for bit by the golden kernels and the float steps between them:
//   - a GEMM layer's input is encoded to its precision where the layer reads it (an FP8 code on
//     the tensor's scale, an int8 code on its grid, an fp16 value, MX blocks along K);
//   - its output is the kernels' outputs through FormatLayerOutput's step (an FP8 tensor's
//     scales, then the bias), then the layer's activation;
//   - every other layer is the float reference's kernel (float32), and every tensor that owns
//     quantization is quantize-dequantized where it is produced, as the emulation does (an MX
//     one where it is read).
// A GEMM with no format kernel (a matmul of two activations beside weights per group) runs the
// float kernel too.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/sim/cycle/format_layer.h"

namespace quasar::sim::cycle {

// Computes a layer's GEMMs: one M x N output per GEMM of `layer`.
using FormatGemmRunner = std::function<std::vector<std::vector<float>>(const FormatLayer& layer)>;

// The float run's `compute` hook (float_net.h) of the run below: for a GEMM layer with a format
// kernel, its output from `run` through FormatLayerOutput; nullopt (the float kernel) for any
// other layer. The references must outlive the hook.
std::function<std::optional<models::FloatTensor>(const models::NetLayer&,
                                                 const std::vector<const models::FloatTensor*>&)>
FormatCompute(const models::NetworkSpec& net, const models::FloatNetParams& params,
              const models::EmulatedNetwork& e, const FormatGemmRunner& run,
              const std::function<void(const models::NetLayer&, const std::string&)>& skipped = {});

// The golden kernels as a FormatGemmRunner, `fp8_acc` the FP8 MAC's register.
FormatGemmRunner GoldenFormatKernels(const models::AccumulatorSpec& fp8_acc);

// The run with `run` computing every format GEMM layer's kernels (the golden kernels, or an
// array); `skipped`, when given, hears of each GEMM layer with no format kernel and why. Returns
// every tensor, as RunEmulatedNetwork does.
std::map<std::string, models::FloatTensor> RunFormatNetwork(
    const models::NetworkSpec& net, const models::FloatNetParams& params,
    const models::EmulatedNetwork& e, const std::map<std::string, models::FloatTensor>& inputs,
    const FormatGemmRunner& run,
    const std::function<void(const models::NetLayer&, const std::string&)>& skipped = {});

// The golden run: RunFormatNetwork with the golden kernels, `fp8_acc` the FP8 MAC's register.
std::map<std::string, models::FloatTensor> RunGoldenFormatNetwork(
    const models::NetworkSpec& net, const models::FloatNetParams& params,
    const models::EmulatedNetwork& e, const std::map<std::string, models::FloatTensor>& inputs,
    const models::AccumulatorSpec& fp8_acc);

}  // namespace quasar::sim::cycle
