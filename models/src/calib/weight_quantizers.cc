#include "quasar/models/calib/weight_quantizers.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <sstream>

#include "quasar/models/error.h"
#include "quasar/models/requant.h"
#include "quasar/models/rounding.h"

namespace quasar::models {
namespace {

// The channels a weight tensor is split into: `count` runs of `size` consecutive values
// (axis 0 is outermost in row-major order).
struct Channels {
  int64_t count = 1;
  int64_t size = 0;
};

// Validates the weights and returns their channel split.
Channels SplitWeights(const FloatTensor& w, bool per_channel) {
  const std::string where = "weight tensor " + ShapeToString(w.shape);
  if (w.rank() == 0) {
    throw InputError("weight tensor must have rank >= 1 (axis 0 = output channels), got a scalar");
  }
  if (w.size() != NumElements(w.shape)) {
    throw InputError(where + " holds " + std::to_string(w.size()) + " values, its shape needs " +
                     std::to_string(NumElements(w.shape)));
  }
  if (w.size() == 0) {
    throw InputError(where + " has no element");
  }
  for (int64_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i])) {
      std::ostringstream os;
      os << where << ": value " << i << " is not finite, got " << w[i];
      throw InputError(os.str());
    }
  }
  Channels ch;
  ch.count = per_channel ? w.dim(0) : 1;
  ch.size = w.size() / ch.count;
  return ch;
}

// Parameters with one scale per channel and zero points 0.
QuantParams ZeroPointFree(const IntType& type, std::vector<float> scales) {
  QuantParams qp;
  qp.type = type;
  qp.zero_points.assign(scales.size(), 0);
  qp.scales = std::move(scales);
  return qp;
}

double MeanAbs(const FloatTensor& w, int64_t begin, int64_t size) {
  double sum = 0;
  for (int64_t i = begin; i < begin + size; ++i) {
    sum += std::fabs(double{w[i]});
  }
  return sum / static_cast<double>(size);
}

}  // namespace

QuantizedWeights QuantizeWeightsLinear(const FloatTensor& w, const IntType& type, bool symmetric,
                                       bool per_channel, const CalibOptions& opt) {
  const Channels ch = SplitWeights(w, per_channel);
  std::vector<Range> ranges;
  for (int64_t c = 0; c < ch.count; ++c) {
    const auto begin = w.data.begin() + static_cast<std::ptrdiff_t>(c * ch.size);
    ranges.push_back(ChooseRange(std::vector<float>(begin, begin + ch.size), type, symmetric, opt));
  }
  QuantizedWeights qw{IntTensor(w.shape), AffineParams(ranges, type, symmetric)};
  const QLimits lim = GridLimits(type, symmetric);
  for (int64_t i = 0; i < w.size(); ++i) {
    const int64_t c = i / ch.size;
    const float s = qw.params.scale(c);
    // f32(w / s) rounded half away from zero, plus z, clamped in double (a clipped outlier's
    // quotient may overflow float to inf; the clamp still gives the grid's end).
    const double q = RoundHalfAwayFromZero(w[i] / s) + qw.params.zero_point(c);
    qw.values[i] = static_cast<int32_t>(
        std::clamp(q, static_cast<double>(lim.lo), static_cast<double>(lim.hi)));
  }
  return qw;
}

QuantizedWeights QuantizeWeightsBinary(const FloatTensor& w, bool per_channel) {
  const Channels ch = SplitWeights(w, per_channel);
  std::vector<float> scales;
  for (int64_t c = 0; c < ch.count; ++c) {
    // XNOR-Net Sec. 3.1: alpha* = (1/n) ||W||_l1.
    scales.push_back(std::max(static_cast<float>(MeanAbs(w, c * ch.size, ch.size)), FLT_MIN));
  }
  QuantizedWeights qw{IntTensor(w.shape), ZeroPointFree(IntType::Binary(), std::move(scales))};
  for (int64_t i = 0; i < w.size(); ++i) {
    qw.values[i] = w[i] >= 0 ? 1 : -1;
  }
  return qw;
}

QuantizedWeights QuantizeWeightsTernary(const FloatTensor& w, bool per_channel) {
  const Channels ch = SplitWeights(w, per_channel);
  QuantizedWeights qw{IntTensor(w.shape), {}};
  std::vector<float> scales;
  for (int64_t c = 0; c < ch.count; ++c) {
    const int64_t begin = c * ch.size;
    // TWN: Delta* = 0.7 * E(|W|); alpha* = mean |W_i| over I_Delta.
    const double delta = 0.7 * MeanAbs(w, begin, ch.size);
    double sum = 0;
    int64_t kept = 0;
    for (int64_t i = begin; i < begin + ch.size; ++i) {
      const double a = std::fabs(double{w[i]});
      if (a > delta) {
        qw.values[i] = w[i] > 0 ? 1 : -1;
        sum += a;
        ++kept;
      }
    }
    const float alpha = kept == 0 ? 1.0f : static_cast<float>(sum / static_cast<double>(kept));
    scales.push_back(std::max(alpha, FLT_MIN));
  }
  qw.params = ZeroPointFree(IntType::Ternary(), std::move(scales));
  return qw;
}

QuantizedWeights QuantizeWeightsPow2(const FloatTensor& w, int bits, bool per_channel) {
  if (bits < 2 || bits > 5) {
    throw InputError("power-of-two weights need 2..5 bits, got " + std::to_string(bits));
  }
  const Channels ch = SplitWeights(w, per_channel);
  const int e_max = (1 << (bits - 1)) - 2;  // b-1 bits: one code for 0, the rest 2^0..2^E
  QuantizedWeights qw{IntTensor(w.shape), {}};
  std::vector<float> scales;
  for (int64_t c = 0; c < ch.count; ++c) {
    const int64_t begin = c * ch.size;
    double amax = 0;
    for (int64_t i = begin; i < begin + ch.size; ++i) {
      amax = std::max(amax, std::fabs(double{w[i]}));
    }
    const float s =
        amax == 0 ? 1.0f : std::max(static_cast<float>(std::ldexp(amax, -e_max)), FLT_MIN);
    scales.push_back(s);
    for (int64_t i = begin; i < begin + ch.size; ++i) {
      const double r = std::fabs(double{w[i]}) / double{s};
      if (r < 0.5) {
        continue;  // q = 0
      }
      const double e =
          std::clamp(RoundHalfAwayFromZero(std::log2(r)), 0.0, static_cast<double>(e_max));
      const int32_t magnitude = int32_t{1} << static_cast<int>(e);
      qw.values[i] = w[i] < 0 ? -magnitude : magnitude;
    }
  }
  qw.params = ZeroPointFree(Pow2WeightType(bits), std::move(scales));
  return qw;
}

IntType Pow2WeightType(int bits) {
  // Values 0, +-2^0 .. +-2^E need E + 2 signed bits.
  const int e_max = (1 << (bits - 1)) - 2;
  return IntType::Signed(e_max + 2);
}

QuantizedWeights QuantizeWeights(const FloatTensor& w, QuantCode code,
                                 const IntType& type_for_linear, int bits, bool symmetric,
                                 bool per_channel, const CalibOptions& opt) {
  RequireGolden(code, "the weights");
  return QuantCodeOf(code).quantize_weights(
      w, WeightCodeArgs{type_for_linear, bits, symmetric, per_channel, opt});
}

FloatTensor DequantizeWeights(const QuantizedWeights& qw) {
  FloatTensor out(qw.values.shape);
  const int64_t n = qw.values.size();
  const int64_t channels = static_cast<int64_t>(qw.params.scales.size());
  const int64_t per = channels > 1 ? n / channels : n;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = per == 0 ? 0 : i / per;
    out[i] = Dequantize(qw.values[i], qw.params.scale(c), qw.params.zero_point(c));
  }
  return out;
}

}  // namespace quasar::models
