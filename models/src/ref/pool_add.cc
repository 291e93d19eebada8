#include "quasar/models/ref/pool_add.h"

#include <algorithm>
#include <limits>
#include <string>

#include "kernel_checks.h"
#include "quasar/models/error.h"

namespace quasar::models {
namespace {

PoolShape CheckPool(const IntTensor& x, const PoolParams& p) {
  const Conv2dGeometry& g = p.geometry;
  if (x.rank() != 4) {
    throw InputError("pooling input must be NCHW, got " + ShapeToString(x.shape));
  }
  if (p.kernel_h < 1 || p.kernel_w < 1 || g.stride_h < 1 || g.stride_w < 1) {
    throw InputError("pooling kernel and stride must be >= 1");
  }
  if (g.pad_top >= p.kernel_h || g.pad_bottom >= p.kernel_h || g.pad_left >= p.kernel_w ||
      g.pad_right >= p.kernel_w || g.pad_top < 0 || g.pad_left < 0 || g.pad_bottom < 0 ||
      g.pad_right < 0) {
    throw InputError("pooling padding must be in [0, kernel) so no window is all padding");
  }
  PoolShape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3), 0, 0};
  s.ho = ConvOutputSize(s.h, p.kernel_h, g.stride_h, g.pad_top, g.pad_bottom, 1);
  s.wo = ConvOutputSize(s.w, p.kernel_w, g.stride_w, g.pad_left, g.pad_right, 1);
  if (s.ho < 1 || s.wo < 1) {
    throw InputError("pooling output would be empty for input " + ShapeToString(x.shape));
  }
  return s;
}

// Visits the in-bounds taps of one window; returns their count.
template <typename F>
int64_t ForWindow(const IntTensor& x, const PoolShape& s, const PoolParams& p, int64_t nc,
                  int64_t oy, int64_t ox, F f) {
  int64_t count = 0;
  for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
      const int64_t iy = oy * p.geometry.stride_h - p.geometry.pad_top + ky;
      const int64_t ix = ox * p.geometry.stride_w - p.geometry.pad_left + kx;
      if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) {
        f(x[(nc * s.h + iy) * s.w + ix]);
        ++count;
      }
    }
  }
  return count;
}

void RequireSameShape(const IntTensor& a, const IntTensor& b) {
  if (a.shape != b.shape) {
    throw InputError("add operands differ in shape: " + ShapeToString(a.shape) + " and " +
                     ShapeToString(b.shape));
  }
}

}  // namespace

IntTensor MaxPool2d(const IntTensor& x, const PoolParams& params) {
  const PoolShape s = CheckPool(x, params);
  IntTensor out({s.n, s.c, s.ho, s.wo});
  for (int64_t nc = 0; nc < s.n * s.c; ++nc) {
    for (int64_t oy = 0; oy < s.ho; ++oy) {
      for (int64_t ox = 0; ox < s.wo; ++ox) {
        int32_t best = std::numeric_limits<int32_t>::min();
        ForWindow(x, s, params, nc, oy, ox, [&](int32_t v) { best = std::max(best, v); });
        out[(nc * s.ho + oy) * s.wo + ox] = best;
      }
    }
  }
  return out;
}

IntTensor AvgPool2d(const IntTensor& x, const PoolParams& params, int32_t zero_point, IntType type,
                    RoundingMode mode) {
  const PoolShape s = CheckPool(x, params);
  const bool tflite = mode == RoundingMode::kTflite || mode == RoundingMode::kTfliteSingle;
  IntTensor out({s.n, s.c, s.ho, s.wo});
  for (int64_t nc = 0; nc < s.n * s.c; ++nc) {
    for (int64_t oy = 0; oy < s.ho; ++oy) {
      for (int64_t ox = 0; ox < s.wo; ++ox) {
        int64_t sum = 0;
        int64_t count = ForWindow(x, s, params, nc, oy, ox,
                                  [&](int32_t v) { sum += tflite ? v : int64_t{v} - zero_point; });
        if (params.count_include_pad) {
          // Padding taps hold the zero point: raw value z (tflite) or 0 after subtracting z.
          const int64_t pads = params.kernel_h * params.kernel_w - count;
          sum += tflite ? pads * zero_point : 0;
          count += pads;
        }
        int64_t y = 0;
        if (tflite) {
          y = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
        } else {
          y = static_cast<int64_t>(
                  RoundHalfToEven(static_cast<double>(sum) / static_cast<double>(count))) +
              zero_point;
        }
        out[(nc * s.ho + oy) * s.wo + ox] = type.Saturate(y);
      }
    }
  }
  return out;
}

IntTensor AddQuantized(const IntTensor& a, const QuantParams& qa, const IntTensor& b,
                       const QuantParams& qb, const QuantParams& out, RoundingMode mode,
                       Activation activation) {
  RequireSameShape(a, b);
  if (qa.scales.size() != 1 || qb.scales.size() != 1 || out.scales.size() != 1) {
    throw InputError("add supports per-tensor quantization only");
  }
  const float sa = qa.scales[0], sb = qb.scales[0], sy = out.scales[0];
  const int32_t za = qa.zero_points[0], zb = qb.zero_points[0], zy = out.zero_points[0];
  const OutputStage bounds = MakeOutputStage(mode, 1.0f, {}, out, activation);  // bounds only
  // A binary output is the sign of the sum, 0 giving +1 (QONNX BipolarQuant: x >= 0), as a
  // layer's binary output is the sign of its accumulator; a fused ReLU leaves no negative sum.
  const bool binary = out.type.kind == IntKind::kBinary;
  const bool relu = bounds.lo >= zy;
  const auto SignOf = [relu](bool negative) { return negative && !relu ? -1 : 1; };
  IntTensor y(a.shape);
  if (mode == RoundingMode::kTflite || mode == RoundingMode::kTfliteSingle) {
    // tensorflow/lite/kernels/add.cc: left_shift 20 for 8-bit inputs, 15 for 16-bit ones.
    const int left_shift = (qa.type.bits > 8 || qb.type.bits > 8) ? 15 : 20;
    const double twice_max = static_cast<double>(2 * std::max(sa, sb));
    const Multiplier m1 = MultiplierFromReal(mode, static_cast<double>(sa) / twice_max);
    const Multiplier m2 = MultiplierFromReal(mode, static_cast<double>(sb) / twice_max);
    const Multiplier mo = MultiplierFromReal(
        mode, twice_max / static_cast<double>(static_cast<float>(1 << left_shift) * sy));
    for (int64_t i = 0; i < a.size(); ++i) {
      const int64_t s1 = ScaleAccumulator((int64_t{a[i]} - za) * (int64_t{1} << left_shift), m1);
      const int64_t s2 = ScaleAccumulator((int64_t{b[i]} - zb) * (int64_t{1} << left_shift), m2);
      y[i] = binary ? SignOf(s1 + s2 < 0)
                    : out.type.Saturate(Requantize(s1 + s2, mo, zy, bounds.lo, bounds.hi));
    }
    return y;
  }
  for (int64_t i = 0; i < a.size(); ++i) {
    const float real =
        sa * static_cast<float>(int64_t{a[i]} - za) + sb * static_cast<float>(int64_t{b[i]} - zb);
    y[i] = binary ? SignOf(real < 0)
                  : out.type.Saturate(
                        std::clamp(Quantize(real, sy, zy, out.type, mode), bounds.lo, bounds.hi));
  }
  return y;
}

IntTensor Clamp(const IntTensor& x, int32_t lo, int32_t hi) {
  IntTensor y(x.shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    y[i] = std::clamp(x[i], lo, hi);
  }
  return y;
}

}  // namespace quasar::models
