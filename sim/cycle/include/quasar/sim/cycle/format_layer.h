#pragma once
// A network layer's GEMMs in a number format, as `quasar verify` checks them: the operands the
// layer reads in a run of the emulated network (real layer data), encoded as the format's golden
// kernel takes them, then run through that kernel and through a PE array (format_gemm.h), to be
// compared on every element.
//
// Which layers. A GEMM layer (LowerToGemm: fully_connected, matmul, convolutions) whose A and B
// are both in one kernel's domain:
//   MX x MX              ref/mx_gemm.h          A's rows and B's columns blocked along K;
//   one small float      ref/small_float_gemm.h codes on the emulation's scales (its FP8 tensor
//                                               scale, its weights' scale per output channel or
//                                               tensor), through the FP8 MAC's register;
//   int8 x group weights ref/group_gemm.h       W4A8: the activation's codes on its calibrated
//                                               grid (uint8 codes c as int8 c - 128);
//   fp16 x group weights ref/group_gemm.h       W4A16: the fp16 activations;
//   int8 x int8          ref/group_gemm.h       W4A8's matmul of two activations (attention):
//                                               the second as 8-bit weights in one group of K,
//                                               its codes shifted to 0..255 (int8 c as c + 128,
//                                               so c - zero is kept) and its per-tensor scale
//                                               and zero point in every column. So the sum is
//                                               exact, y = float32(float32(S) * s_B) * s_A;
//   fp16 x fp16          ref/small_float_gemm.h W4A16's matmul of two fp16 activations: the
//                                               small-float kernel on binary16 (Fp16Format,
//                                               scale 1), its exact products summed in a
//                                               128-bit register, which holds any sum (81 bits
//                                               per product), so y is the exact sum rounded once
//                                               to float32 (no FP8 MAC: SmallFloatRegister).
// Any other layer is not one of these GEMMs (integer operands, a float operand beside a format
// one), and MakeFormatLayer says why.
//
// The operands. A is the layer's input as the run stores it (RunEmulatedNetwork: FP8, integer
// and fp16 tensors already on their grids, so encoding them again is exact; an MX tensor
// unquantized, blocked here along K), gathered as the array reads it (a convolution's im2col
// rows, padding taps 0). B is the layer's float weights encoded by the format's quantizer, as the
// emulation quantizes them, or a matmul's second input. One difference from the emulation: an MX
// convolution's A is blocked along its im2col K (channels and taps), the only blocking both
// operands share, where the emulation blocks the input along its channels at each pixel.
//
// What is compared: each GEMM's kernel output (float32), before the float steps both sides share
// (an FP8 tensor's scales, the bias, the activation).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quasar/models/accumulator.h"
#include "quasar/models/group_quant.h"
#include "quasar/models/mx_format.h"
#include "quasar/models/net/emulated_quant.h"
#include "quasar/models/net/network.h"
#include "quasar/models/small_float.h"
#include "quasar/sim/cycle/array_if.h"
#include "quasar/sim/cycle/format_gemm.h"

namespace quasar::sim::cycle {

enum class FormatKernel { kMx, kSmallFloat, kGroupInt8, kGroupFp16 };

// "mx", "small_float", "w_group_a8", "w_group_a16".
const char* FormatKernelName(FormatKernel kernel);

// One GEMM of a layer (a group of a grouped convolution, a batch of a matmul), its operands as
// its kernel takes them.
struct FormatGemm {
  int64_t m = 0, k = 0, n = 0;
  models::MxMatrix a_mx, wt_mx;            // kMx: M rows of K, N rows of K
  std::vector<uint32_t> a_codes, b_codes;  // kSmallFloat: M x K, K x N
  std::vector<int32_t> a_int8;             // kGroupInt8: M x K codes
  float a_scale = 1;
  int32_t a_zero = 0;
  std::vector<float> a_fp16;    // kGroupFp16: M x K
  models::GroupQuantWeights w;  // kGroupInt8, kGroupFp16
};

struct FormatLayer {
  std::string name;
  FormatKernel kernel = FormatKernel::kMx;
  const models::SmallFloatFormat* small_float = nullptr;  // kSmallFloat
  // kSmallFloat: the sums are exact in 128 bits, not in the FP8 MAC's register (fp16 x fp16).
  bool exact_sums = false;
  std::vector<FormatGemm> gemms;                          // in the layer's GEMM order
  // The float step from the kernels' outputs to the layer's (before its activation): output
  // element out_index(g, m, n) = float32(y[g][m, n] * scale[g][n]) + bias[g][n], the product
  // skipped where there is no scale (every kernel but a small float's) and the sum where there is
  // no bias (a matmul). A small float's scale is float32(s_A * s_B[channel]), the tensors' scales
  // (the weights' per output channel or per tensor).
  models::Shape out_shape;
  std::function<int64_t(int64_t g, int64_t m, int64_t n)> out_index;
  std::vector<std::vector<float>> scale, bias;  // per GEMM, N each, or empty
};

// The layer, or (nullopt) why it is not one of the GEMMs above.
struct FormatLayerOrReason {
  std::optional<FormatLayer> layer;
  std::string reason;
};

// `params` are the network's float (unquantized) weights, `e` its emulation and `tensors` a run
// of it (RunEmulatedNetwork) holding the layer's inputs. Throws InputError when an operand does
// not encode (a value no format or grid holds).
FormatLayerOrReason MakeFormatLayer(const models::NetworkSpec& net, const models::NetLayer& layer,
                                    const models::FloatNetParams& params,
                                    const models::EmulatedNetwork& e,
                                    const std::map<std::string, models::FloatTensor>& tensors);
// The same from the layer's stored input tensors, in its `inputs` order.
FormatLayerOrReason MakeFormatLayer(const models::NetworkSpec& net, const models::NetLayer& layer,
                                    const models::FloatNetParams& params,
                                    const models::EmulatedNetwork& e,
                                    const std::vector<const models::FloatTensor*>& inputs);

// The layer's output before its activation from its GEMMs' kernel outputs `y` (one M x N vector
// per GEMM), through the float step above.
models::FloatTensor FormatLayerOutput(const FormatLayer& layer,
                                      const std::vector<std::vector<float>>& y);

// The register a small-float layer adds through: the FP8 MAC's, `fp8_acc`, or 128 bits wrapping
// (which no sum reaches) for exact sums. The one home of that choice: the golden kernel, the
// array passes and the accelerator's tiles take it from here.
models::AccumulatorSpec SmallFloatRegister(const FormatLayer& layer,
                                           const models::AccumulatorSpec& fp8_acc);

// The golden kernel's output of `g` (M x N, row-major). `fp8_acc`: the FP8 MAC's register
// (kSmallFloat, SmallFloatRegister); its wrapped or saturated additions are added to
// *overflow_events.
std::vector<float> GoldenFormatGemm(const FormatLayer& layer, const FormatGemm& g,
                                    const models::AccumulatorSpec& fp8_acc,
                                    int64_t* overflow_events);

// The same GEMM on `array` (format_gemm.h), configured with `shape`'s dataflow and size.
FormatGemmResult FormatGemmOnArray(ArrayIf& array, const PeConfig& shape, const ArrayWidths& widths,
                                   const FormatLayer& layer, const FormatGemm& g,
                                   const models::AccumulatorSpec& fp8_acc);

}  // namespace quasar::sim::cycle
