// A layer's GEMMs in a number format, encoded from a run of the emulated network
// (format_layer.h).

#include "quasar/sim/cycle/format_layer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "quasar/compiler/lower.h"
#include "quasar/models/error.h"
#include "quasar/models/fp8_mac.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/net/quantized_net.h"
#include "quasar/models/quant_code.h"
#include "quasar/models/ref/group_gemm.h"
#include "quasar/models/ref/mx_gemm.h"
#include "quasar/models/ref/small_float_gemm.h"

namespace quasar::sim::cycle {
namespace {

using models::FloatTensor;
using models::NetLayer;
using models::NetworkSpec;
using models::OperandPrecision;

const models::MxFormat* MxOf(const OperandPrecision& p) {
  const models::QuantCodeDef& d = models::QuantCodeOf(p.code);
  return d.format != nullptr && d.block > 0 ? &models::FindMxFormat(d.format) : nullptr;
}
const models::SmallFloatFormat* SmallFloatOf(const OperandPrecision& p) {
  const models::QuantCodeDef& d = models::QuantCodeOf(p.code);
  return d.format != nullptr && d.block == 0 ? &models::FindSmallFloat(d.format) : nullptr;
}
bool GroupWeights(const OperandPrecision& p) {
  return models::QuantCodeOf(p.code).format == nullptr &&
         p.granularity == models::Granularity::kPerGroup;
}
// An activation on a linear grid of at most 8 bits: W4A8's.
bool Int8Activation(const OperandPrecision& p) {
  return p.code == models::QuantCode::kLinear && p.bits <= 8;
}
// The codes of `t` plus `shift`.
std::vector<int32_t> Shifted(const models::IntTensor& t, int32_t shift) {
  std::vector<int32_t> out(t.data.size());
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = t.data[i] + shift;
  }
  return out;
}

const models::EmulatedTensor& EmulatedOf(const NetworkSpec& net, const models::EmulatedNetwork& e,
                                         const std::string& tensor) {
  const auto t = e.tensors.find(net.QuantParamsOwner(tensor));
  if (t == e.tensors.end()) {
    throw InputError("tensor '" + tensor + "' has no emulated quantization");
  }
  return t->second;
}

// Where each GEMM of the layer reads its operands: A[m, k] and B[k, n] of GEMM `g` as flat
// indices of the input and of B's source (the weights, OIHW or [N, K], or the second input), -1
// for a padding tap of A.
struct Gather {
  compiler::GemmShape shape;
  std::function<int64_t(int64_t g, int64_t m, int64_t k)> a;
  std::function<int64_t(int64_t g, int64_t k, int64_t n)> b;
  std::function<int64_t(int64_t g, int64_t m, int64_t n)> out;
};

std::optional<Gather> GatherOf(const NetLayer& l, const NetworkSpec& net, const FloatTensor& x,
                               const FloatTensor* second, std::string* reason) {
  const std::optional<compiler::GemmShape> s = compiler::LowerToGemm(l, net);
  if (!s) {
    *reason = "not a GEMM";
    return std::nullopt;
  }
  Gather gt;
  gt.shape = *s;
  const int64_t m = s->m, k = s->k, n = s->n;
  const models::OpDef& def = models::OpOf(l.op);
  if (def.gemm_input == models::GemmInput::kConvWindows) {
    auto map = std::make_shared<compiler::Im2colMap>(l, x.shape);
    gt.a = [map](int64_t g, int64_t mm, int64_t kk) {
      return map->InputIndex(g, mm, kk).value_or(-1);
    };
    gt.b = [map](int64_t g, int64_t kk, int64_t nn) { return map->WeightIndex(g, kk, nn); };
    gt.out = [map](int64_t g, int64_t mm, int64_t nn) { return map->OutputIndex(g, mm, nn); };
    return gt;
  }
  if (def.gemm_input != models::GemmInput::kDirect) {
    *reason = "a transposed convolution (its windows over the zero-inserted input)";
    return std::nullopt;
  }
  gt.a = [m, k](int64_t g, int64_t mm, int64_t kk) { return (g * m + mm) * k + kk; };
  gt.out = [m, n](int64_t g, int64_t mm, int64_t nn) { return (g * m + mm) * n + nn; };
  if (def.gemm_b == models::GemmB::kWeights) {
    gt.b = [k](int64_t, int64_t kk, int64_t nn) { return nn * k + kk; };  // weights [N, K]
    return gt;
  }
  const int64_t per = k * n;
  if (second->size() != per && second->size() != s->count * per) {
    *reason = "its second operand is broadcast over batches";
    return std::nullopt;
  }
  const int64_t stride = second->size() == per ? 0 : per;
  if (l.transpose_b) {
    gt.b = [stride, k](int64_t g, int64_t kk, int64_t nn) { return g * stride + nn * k + kk; };
  } else {
    gt.b = [stride, n](int64_t g, int64_t kk, int64_t nn) { return g * stride + kk * n + nn; };
  }
  return gt;
}

// The float values of A (M x K) and of B transposed (N x K) or not (K x N) of GEMM g.
std::vector<float> GatherA(const Gather& gt, int64_t g, const std::vector<float>& x, float pad) {
  std::vector<float> a(static_cast<size_t>(gt.shape.m * gt.shape.k));
  for (int64_t i = 0; i < gt.shape.m; ++i) {
    for (int64_t kk = 0; kk < gt.shape.k; ++kk) {
      const int64_t at = gt.a(g, i, kk);
      a[static_cast<size_t>(i * gt.shape.k + kk)] = at < 0 ? pad : x[static_cast<size_t>(at)];
    }
  }
  return a;
}
template <typename T>
std::vector<T> GatherB(const Gather& gt, int64_t g, const std::vector<T>& b, bool transposed) {
  const int64_t k = gt.shape.k, n = gt.shape.n;
  std::vector<T> out(static_cast<size_t>(k * n));
  for (int64_t kk = 0; kk < k; ++kk) {
    for (int64_t nn = 0; nn < n; ++nn) {
      out[static_cast<size_t>(transposed ? nn * k + kk : kk * n + nn)] =
          b[static_cast<size_t>(gt.b(g, kk, nn))];
    }
  }
  return out;
}

// Small-float codes of `v` on `scale`, saturating (the emulation's encoder).
std::vector<uint32_t> Codes(const models::SmallFloatFormat& f, const std::vector<float>& v,
                            const std::function<float(size_t)>& scale) {
  std::vector<uint32_t> c(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    c[i] = models::QuantizeSmallFloat(f, v[i], scale(i), true);
  }
  return c;
}

// A small-float weight tensor's codes, on the emulation's scales (QuantizeDequantizeWeights).
std::vector<uint32_t> WeightCodes(const models::SmallFloatFormat& f, const FloatTensor& w,
                                  const OperandPrecision& p, std::vector<float>* channel_scale) {
  const int64_t rows = w.rank() == 0 ? 1 : w.dim(0);
  const bool per_channel = p.granularity == models::Granularity::kPerChannel;
  const int64_t per = per_channel ? (rows == 0 ? 0 : w.size() / rows) : w.size();
  std::vector<float> scales;
  for (int64_t g = 0; per > 0 && g * per < w.size(); ++g) {
    double amax = 0;
    for (int64_t i = 0; i < per; ++i) {
      amax = std::max(amax, std::fabs(static_cast<double>(w[g * per + i])));
    }
    scales.push_back(models::Fp8TensorScale(f, amax));
  }
  for (int64_t c = 0; c < rows; ++c) {
    channel_scale->push_back(per_channel ? scales[static_cast<size_t>(c)] : scales.at(0));
  }
  return Codes(f, w.data, [&](size_t i) { return scales[i / static_cast<size_t>(per)]; });
}

}  // namespace

const char* FormatKernelName(FormatKernel kernel) {
  switch (kernel) {
    case FormatKernel::kMx:
      return "mx";
    case FormatKernel::kSmallFloat:
      return "small_float";
    case FormatKernel::kGroupInt8:
      return "w_group_a8";
    case FormatKernel::kGroupFp16:
      return "w_group_a16";
  }
  return "?";
}

FormatLayerOrReason MakeFormatLayer(const NetworkSpec& net, const NetLayer& l,
                                    const models::FloatNetParams& params,
                                    const models::EmulatedNetwork& e,
                                    const std::map<std::string, FloatTensor>& tensors) {
  std::vector<const FloatTensor*> inputs;
  for (const std::string& name : l.inputs) {
    inputs.push_back(&tensors.at(name));
  }
  return MakeFormatLayer(net, l, params, e, inputs);
}

FormatLayerOrReason MakeFormatLayer(const NetworkSpec& net, const NetLayer& l,
                                    const models::FloatNetParams& params,
                                    const models::EmulatedNetwork& e,
                                    const std::vector<const FloatTensor*>& inputs) {
  FormatLayerOrReason r;
  if (!models::AccumulatesProducts(l.op)) {
    r.reason = "not a GEMM";
    return r;
  }
  const OperandPrecision& pa = net.tensor_precision.at(l.inputs.at(0));
  const OperandPrecision& pb = models::GemmBPrecision(l, net);
  const bool b_weights = !models::GemmBIsInput(l.op);
  FormatLayer f;
  f.name = l.name;
  if (MxOf(pa) != nullptr && MxOf(pb) != nullptr) {
    f.kernel = FormatKernel::kMx;
  } else if (SmallFloatOf(pa) != nullptr && SmallFloatOf(pa) == SmallFloatOf(pb)) {
    f.kernel = FormatKernel::kSmallFloat;
    f.small_float = SmallFloatOf(pa);
  } else if (!b_weights && GroupWeights(net.policy.weights) && models::IsFp16Activation(net, pa) &&
             models::IsFp16Activation(net, pb)) {
    f.kernel = FormatKernel::kSmallFloat;  // binary16 codes, exact sums (header)
    f.small_float = &models::Fp16Format();
    f.exact_sums = true;
  } else if (b_weights && GroupWeights(pb) && models::IsFp16Activation(net, pa)) {
    f.kernel = FormatKernel::kGroupFp16;
  } else if (b_weights && GroupWeights(pb) && Int8Activation(pa)) {
    f.kernel = FormatKernel::kGroupInt8;
  } else if (!b_weights && GroupWeights(net.policy.weights) && Int8Activation(pa) &&
             Int8Activation(pb)) {
    f.kernel = FormatKernel::kGroupInt8;  // the second activation as one group (header)
  } else if (!b_weights && GroupWeights(net.policy.weights)) {
    r.reason = "its operands are two activations (" + pa.Describe() + " x " + pb.Describe() +
               ") that are neither both int8 nor both fp16, the pairs the kernels take beside "
               "weights per group";
    return r;
  } else {
    r.reason = "its operands (" + pa.Describe() + " x " + pb.Describe() +
               ") are not the operands of one format kernel";
    return r;
  }
  const FloatTensor& x = *inputs.at(0);
  const FloatTensor* second = b_weights ? nullptr : inputs.at(1);
  const std::optional<Gather> gt = GatherOf(l, net, x, second, &r.reason);
  if (!gt) {
    return r;
  }
  const int64_t m = gt->shape.m, k = gt->shape.k, n = gt->shape.n;
  const FloatTensor& b = b_weights ? params.at(l.name).weights : *second;
  // The per-kernel encodings of the whole A and B tensors, gathered per GEMM below.
  std::vector<uint32_t> a_codes, b_codes;
  std::vector<float> b_scale;  // a small float's B scale per output channel
  std::vector<int32_t> a_ints, b_ints;  // W4A8: int8 codes; a second activation's 0..255
  int32_t a_zero = 0, b_zero = 0;
  float a_scale = 1, b_scale_one = 1;
  if (f.kernel == FormatKernel::kSmallFloat) {
    a_scale = f.exact_sums ? 1.0f : EmulatedOf(net, e, l.inputs[0]).scale;
    const float sa = a_scale;
    a_codes = Codes(*f.small_float, x.data, [sa](size_t) { return sa; });
    if (b_weights) {
      b_codes = WeightCodes(*f.small_float, b, pb, &b_scale);
    } else {
      const float sb = f.exact_sums ? 1.0f : EmulatedOf(net, e, l.inputs[1]).scale;
      b_codes = Codes(*f.small_float, b.data, [sb](size_t) { return sb; });
      b_scale.assign(static_cast<size_t>(gt->shape.count * n), sb);
    }
  } else if (f.kernel == FormatKernel::kGroupInt8) {
    const models::QuantParams& qp = EmulatedOf(net, e, l.inputs[0]).params;
    if (qp.scales.size() != 1) {
      r.reason = "its activations are quantized per channel";
      return r;
    }
    // uint8 codes c with zero point z are the int8 codes c - 128 with zero point z - 128.
    const int32_t shift = qp.type.kind == models::IntKind::kUnsigned ? 128 : 0;
    a_ints = Shifted(models::QuantizeInput(x, qp, e.rounding), -shift);
    a_zero = qp.zero_point(0) - shift;
    a_scale = qp.scale(0);
    if (!b_weights) {
      // The second activation as 8-bit unsigned codes (int8 c as c + 128) in one group of K, its
      // scale and zero point those of every column.
      const models::QuantParams& qb = EmulatedOf(net, e, l.inputs[1]).params;
      if (qb.scales.size() != 1) {
        r.reason = "its second activation is quantized per channel";
        return r;
      }
      if (k > std::numeric_limits<int>::max()) {
        r.reason = "its K of " + std::to_string(k) + " is more than one group holds";
        return r;
      }
      const int32_t b_shift = qb.type.kind == models::IntKind::kUnsigned ? 0 : 128;
      b_ints = Shifted(models::QuantizeInput(b, qb, e.rounding), b_shift);
      b_zero = qb.zero_point(0) + b_shift;
      b_scale_one = qb.scale(0);
    }
  }
  f.out_shape = net.ShapeOf(l.name);
  f.out_index = gt->out;
  const std::vector<float>* bias =
      b_weights && !params.at(l.name).bias.empty() ? &params.at(l.name).bias : nullptr;
  for (int64_t g = 0; g < gt->shape.count; ++g) {
    // Output channel g * N + n: a grouped convolution's groups, or a matmul's batches.
    if (bias != nullptr) {
      f.bias.emplace_back(bias->begin() + g * n, bias->begin() + (g + 1) * n);
    }
    if (f.kernel == FormatKernel::kSmallFloat) {
      std::vector<float> col(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) {
        col[static_cast<size_t>(j)] = a_scale * b_scale.at(static_cast<size_t>(g * n + j));
      }
      f.scale.push_back(std::move(col));
    }
    FormatGemm gemm;
    gemm.m = m;
    gemm.k = k;
    gemm.n = n;
    switch (f.kernel) {
      case FormatKernel::kMx:
        gemm.a_mx = models::QuantizeMx(*MxOf(pa), GatherA(*gt, g, x.data, 0.0f), m, k);
        gemm.wt_mx = models::QuantizeMx(*MxOf(pb), GatherB(*gt, g, b.data, true), n, k);
        break;
      case FormatKernel::kSmallFloat: {
        // A padding tap reads a real 0: code 0 in every small float.
        gemm.a_codes.resize(static_cast<size_t>(m * k));
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t kk = 0; kk < k; ++kk) {
            const int64_t at = gt->a(g, i, kk);
            gemm.a_codes[static_cast<size_t>(i * k + kk)] =
                at < 0 ? 0u : a_codes[static_cast<size_t>(at)];
          }
        }
        gemm.b_codes = GatherB(*gt, g, b_codes, false);
        break;
      }
      case FormatKernel::kGroupInt8:
      case FormatKernel::kGroupFp16: {
        const OperandPrecision& w = pb;
        if (b_weights) {
          gemm.w = models::QuantizeGroupWeights({w.bits, w.group_size, w.symmetric},
                                                GatherB(*gt, g, b.data, false), k, n);
        } else {
          gemm.w.spec = {8, static_cast<int>(std::max<int64_t>(k, 1)), false};
          gemm.w.k = k;
          gemm.w.n = n;
          gemm.w.codes = GatherB(*gt, g, b_ints, false);
          gemm.w.scales.assign(static_cast<size_t>(n), b_scale_one);
          gemm.w.zero_points.assign(static_cast<size_t>(n), b_zero);
          models::CheckGroupQuantWeights(gemm.w);
        }
        if (f.kernel == FormatKernel::kGroupFp16) {
          gemm.a_fp16 = GatherA(*gt, g, x.data, 0.0f);  // fp16 values as stored
          break;
        }
        gemm.a_scale = a_scale;
        gemm.a_zero = a_zero;
        gemm.a_int8.resize(static_cast<size_t>(m * k));
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t kk = 0; kk < k; ++kk) {
            const int64_t at = gt->a(g, i, kk);
            gemm.a_int8[static_cast<size_t>(i * k + kk)] =
                at < 0 ? a_zero : a_ints[static_cast<size_t>(at)];
          }
        }
        break;
      }
    }
    f.gemms.push_back(std::move(gemm));
  }
  r.layer = std::move(f);
  return r;
}

FloatTensor FormatLayerOutput(const FormatLayer& layer, const std::vector<std::vector<float>>& y) {
  FloatTensor out(layer.out_shape);
  for (size_t g = 0; g < layer.gemms.size(); ++g) {
    const FormatGemm& gemm = layer.gemms[g];
    const std::vector<float>& v = y.at(g);
    for (int64_t i = 0; i < gemm.m; ++i) {
      for (int64_t j = 0; j < gemm.n; ++j) {
        float x = v.at(static_cast<size_t>(i * gemm.n + j));
        if (!layer.scale.empty()) {
          x *= layer.scale[g][static_cast<size_t>(j)];
        }
        if (!layer.bias.empty()) {
          x += layer.bias[g][static_cast<size_t>(j)];
        }
        out[layer.out_index(static_cast<int64_t>(g), i, j)] = x;
      }
    }
  }
  return out;
}

models::AccumulatorSpec SmallFloatRegister(const FormatLayer& layer,
                                           const models::AccumulatorSpec& fp8_acc) {
  return layer.exact_sums
             ? models::AccumulatorSpec{models::kMaxFp8AccumulatorBits, models::OverflowMode::kWrap}
             : fp8_acc;
}

std::vector<float> GoldenFormatGemm(const FormatLayer& layer, const FormatGemm& g,
                                    const models::AccumulatorSpec& fp8_acc,
                                    int64_t* overflow_events) {
  switch (layer.kernel) {
    case FormatKernel::kMx:
      return models::MxGemm(g.a_mx, g.wt_mx);
    case FormatKernel::kSmallFloat:
      return models::SmallFloatGemm(*layer.small_float, g.a_codes, g.b_codes, g.m, g.k, g.n,
                                    SmallFloatRegister(layer, fp8_acc), overflow_events);
    case FormatKernel::kGroupInt8:
      models::CheckGroupGemmInt8Operands(g.a_int8, g.m, g.a_zero, g.w);
      return models::GroupGemmInt8(g.a_int8, g.m, g.a_scale, g.a_zero, g.w);
    case FormatKernel::kGroupFp16:
      return models::GroupGemmFp16(g.a_fp16, g.m, g.w);
  }
  return {};
}

FormatGemmResult FormatGemmOnArray(ArrayIf& array, const PeConfig& shape, const ArrayWidths& widths,
                                   const FormatLayer& layer, const FormatGemm& g,
                                   const models::AccumulatorSpec& fp8_acc) {
  switch (layer.kernel) {
    case FormatKernel::kMx:
      return MxGemmOnArray(array, shape, g.a_mx, g.wt_mx, widths);
    case FormatKernel::kSmallFloat:
      return SmallFloatGemmOnArray(array, shape, *layer.small_float, g.a_codes, g.b_codes, g.m, g.k,
                                   g.n, SmallFloatRegister(layer, fp8_acc), widths);
    case FormatKernel::kGroupInt8:
      return GroupGemmInt8OnArray(array, shape, g.a_int8, g.m, g.a_scale, g.a_zero, g.w, widths);
    case FormatKernel::kGroupFp16:
      return GroupGemmFp16OnArray(array, shape, g.a_fp16, g.m, g.w, widths);
  }
  return {};
}

}  // namespace quasar::sim::cycle
