#include "quasar/models/ref/conv2d.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "kernel_checks.h"
#include "quasar/models/error.h"
#include "quasar/models/int128.h"
#include "quasar/models/memory_limit.h"

namespace quasar::models {
namespace {

struct ConvShape {
  int64_t n, c, h, w;       // input
  int64_t o, cg, kh, kw;    // weights: C_out, C_in per group, kernel
  int64_t groups, og;       // groups, C_out per group
  int64_t ho, wo;           // output
};

ConvShape CheckShapes(const IntTensor& x, const IntTensor& w, const std::vector<int32_t>& bias,
                      const IntConvParams& p, bool depthwise) {
  Conv2dGeometry g = p.geometry;
  if (depthwise && x.rank() == 4) {
    g.groups = x.dim(1);
  }
  const Shape out = Conv2dOutputShape(x.shape, w.shape, g);
  const ConvShape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(1), w.dim(2),
                    w.dim(3), g.groups, w.dim(0) / g.groups, out[2], out[3]};
  Require(bias.empty() || static_cast<int64_t>(bias.size()) == s.o,
          "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(s.o));
  Require(p.weight_zero_points.size() == 1 ||
              static_cast<int64_t>(p.weight_zero_points.size()) == s.o,
          "weight zero points: expected 1 or " + std::to_string(s.o) + " entries, got " +
              std::to_string(p.weight_zero_points.size()));
  Require(p.accumulator.bits >= 8 && p.accumulator.bits <= 64,
          "accumulator bits must be in 8..64, got " + std::to_string(p.accumulator.bits));
  return s;
}

int32_t WeightZeroPoint(const IntConvParams& p, int64_t oc) {
  return p.weight_zero_points.size() == 1 ? p.weight_zero_points[0]
                                          : p.weight_zero_points[static_cast<size_t>(oc)];
}

// Adds exactly; used only when no partial sum can leave the accumulator's range.
struct ExactAdd {
  template <typename Acc>
  void operator()(Acc& acc, int64_t v) const {
    acc = static_cast<Acc>(acc + v);
  }
};

// Adds through the accumulator model.
struct ModelAdd {
  const AccumulatorSpec* spec;
  int64_t* overflow_events;
  void operator()(int64_t& acc, int64_t v) const {
    acc = AccumulateAdd(acc, v, *spec, overflow_events);
  }
};

// The convolution proper, over zero-point-subtracted, padded input `xp` [N, C, HP, WP] and
// weights `wz`. For each output the additions happen in (ic, ky, kx) order; the innermost loop
// runs over output columns so the compiler can vectorize it.
template <typename Acc, typename Add>
void ConvLoops(const ConvShape& s, const Conv2dGeometry& g, const std::vector<int32_t>& xp,
               int64_t hp, int64_t wp, const std::vector<int32_t>& wz, Add add,
               Tensor<int64_t>* out, std::vector<Acc>& plane, const std::vector<int64_t>& init) {
  const int64_t plane_size = s.ho * s.wo;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t oc = 0; oc < s.o; ++oc) {
      const int64_t group = oc / s.og;
      std::fill(plane.begin(), plane.end(), static_cast<Acc>(init[static_cast<size_t>(oc)]));
      for (int64_t ic = 0; ic < s.cg; ++ic) {
        const int32_t* xc = &xp[static_cast<size_t>(((n * s.c) + group * s.cg + ic) * hp * wp)];
        for (int64_t ky = 0; ky < s.kh; ++ky) {
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            const int64_t wv =
                wz[static_cast<size_t>(((oc * s.cg + ic) * s.kh + ky) * s.kw + kx)];
            for (int64_t oy = 0; oy < s.ho; ++oy) {
              const int32_t* row = xc + (oy * g.stride_h + ky * g.dilation_h) * wp +
                                   kx * g.dilation_w;
              Acc* acc_row = &plane[static_cast<size_t>(oy * s.wo)];
              if (g.stride_w == 1) {
                for (int64_t ox = 0; ox < s.wo; ++ox) {
                  add(acc_row[ox], static_cast<Acc>(wv) * row[ox]);
                }
              } else {
                for (int64_t ox = 0; ox < s.wo; ++ox) {
                  add(acc_row[ox], static_cast<Acc>(wv) * row[ox * g.stride_w]);
                }
              }
            }
          }
        }
      }
      int64_t* dst = &(*out)[(n * s.o + oc) * plane_size];
      std::copy(plane.begin(), plane.end(), dst);
    }
  }
}

}  // namespace

Shape Conv2dOutputShape(const Shape& x, const Shape& w, const Conv2dGeometry& g) {
  Require(x.size() == 4, "conv input must be NCHW (rank 4), got shape " + ShapeToString(x));
  Require(w.size() == 4, "conv weights must be OIHW (rank 4), got shape " + ShapeToString(w));
  Require(g.stride_h >= 1 && g.stride_w >= 1, "stride must be >= 1");
  Require(g.dilation_h >= 1 && g.dilation_w >= 1, "dilation must be >= 1");
  Require(g.pad_top >= 0 && g.pad_left >= 0 && g.pad_bottom >= 0 && g.pad_right >= 0,
          "padding must be >= 0");
  Require(g.groups >= 1, "groups must be >= 1, got " + std::to_string(g.groups));
  Require(x[1] % g.groups == 0, "input channels " + std::to_string(x[1]) +
                                    " are not divisible by groups " + std::to_string(g.groups));
  Require(w[0] % g.groups == 0, "output channels " + std::to_string(w[0]) +
                                    " are not divisible by groups " + std::to_string(g.groups));
  Require(w[1] == x[1] / g.groups,
          "weights " + ShapeToString(w) + " need dim 1 = C_in/groups = " +
              std::to_string(x[1] / g.groups) + " for input " + ShapeToString(x));
  const int64_t ho = ConvOutputSize(x[2], w[2], g.stride_h, g.pad_top, g.pad_bottom, g.dilation_h);
  const int64_t wo = ConvOutputSize(x[3], w[3], g.stride_w, g.pad_left, g.pad_right, g.dilation_w);
  Require(ho >= 1 && wo >= 1, "convolution output would be empty for input " + ShapeToString(x) +
                                  " and weights " + ShapeToString(w));
  return {x[0], w[0], ho, wo};
}

int64_t ConvOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                       int64_t pad_end, int64_t dilation) {
  const int64_t span = in + pad_begin + pad_end - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

Tensor<int64_t> Conv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                 const std::vector<int32_t>& bias, const IntConvParams& params,
                                 KernelStats* stats) {
  const ConvShape s = CheckShapes(x, w, bias, params, /*depthwise=*/false);
  const Conv2dGeometry& g = params.geometry;
  const AccumulatorSpec& spec = params.accumulator;

  // Padded input with the zero point subtracted, so padding taps are exact zeros.
  const int64_t hp = s.h + g.pad_top + g.pad_bottom;
  const int64_t wp = s.w + g.pad_left + g.pad_right;
  const uint64_t padded_bytes = ShapeBytes({s.n, s.c, hp, wp}, sizeof(int32_t));
  if (padded_bytes > MemoryLimit()) {  // the message is formed only when needed: runs per layer
    CheckAllocation(padded_bytes,
                    "the padded convolution input " + ShapeToString({s.n, s.c, hp, wp}) +
                        " (input " + ShapeToString(x.shape) + ", padding " +
                        std::to_string(g.pad_top) + "/" + std::to_string(g.pad_bottom) + "/" +
                        std::to_string(g.pad_left) + "/" + std::to_string(g.pad_right) + ")");
  }
  std::vector<int32_t> xp(static_cast<size_t>(s.n * s.c * hp * wp), 0);
  int64_t max_abs_x = 0;
  for (int64_t nc = 0; nc < s.n * s.c; ++nc) {
    for (int64_t y = 0; y < s.h; ++y) {
      for (int64_t xx = 0; xx < s.w; ++xx) {
        const int64_t v = int64_t{x[(nc * s.h + y) * s.w + xx]} - params.input_zero_point;
        max_abs_x = std::max(max_abs_x, std::abs(v));
        xp[static_cast<size_t>((nc * hp + y + g.pad_top) * wp + xx + g.pad_left)] =
            static_cast<int32_t>(v);
      }
    }
  }
  // Zero-point-subtracted weights, and per output channel the bound on any partial sum:
  // |bias| + max|x - z_x| * sum_k |w_k - z_w|.
  std::vector<int32_t> wz(static_cast<size_t>(w.size()));
  const int64_t k = s.cg * s.kh * s.kw;
  int128 worst = 0;
  for (int64_t oc = 0; oc < s.o; ++oc) {
    int128 sum_abs_w = 0;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t v = int64_t{w[oc * k + i]} - WeightZeroPoint(params, oc);
      wz[static_cast<size_t>(oc * k + i)] = static_cast<int32_t>(v);
      sum_abs_w += std::abs(v);
    }
    const int64_t b = bias.empty() ? 0 : bias[static_cast<size_t>(oc)];
    worst = std::max(worst, static_cast<int128>(std::abs(b)) + sum_abs_w * max_abs_x);
  }

  Tensor<int64_t> out({s.n, s.o, s.ho, s.wo});
  int64_t overflow_events = 0;
  // Each output loads its channel's bias once; an out-of-range bias is one event per output.
  std::vector<int64_t> init(static_cast<size_t>(s.o), 0);
  for (int64_t oc = 0; oc < s.o && !bias.empty(); ++oc) {
    int64_t load_events = 0;
    init[static_cast<size_t>(oc)] =
        AccumulateLoad(bias[static_cast<size_t>(oc)], spec, &load_events);
    overflow_events += load_events * s.n * s.ho * s.wo;
  }

  // If no partial sum can leave [min, max], wrap and saturate are identities and plain addition
  // is bit-exact with the per-addition model; otherwise run the model at every addition.
  const bool cannot_overflow = worst <= spec.max();
  const size_t plane_size = static_cast<size_t>(s.ho * s.wo);
  if (cannot_overflow && worst <= INT32_MAX) {
    std::vector<int32_t> plane(plane_size);
    ConvLoops<int32_t>(s, g, xp, hp, wp, wz, ExactAdd{}, &out, plane, init);
  } else if (cannot_overflow) {
    std::vector<int64_t> plane(plane_size);
    ConvLoops<int64_t>(s, g, xp, hp, wp, wz, ExactAdd{}, &out, plane, init);
  } else {
    std::vector<int64_t> plane(plane_size);
    ConvLoops<int64_t>(s, g, xp, hp, wp, wz, ModelAdd{&spec, &overflow_events}, &out, plane, init);
  }

  if (stats != nullptr) {
    stats->Record(s.n * s.o * s.ho * s.wo * k, overflow_events, out);
  }
  return out;
}

Tensor<int64_t> DepthwiseConv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                          const std::vector<int32_t>& bias,
                                          const IntConvParams& params, KernelStats* stats) {
  const ConvShape s = CheckShapes(x, w, bias, params, /*depthwise=*/true);
  const Conv2dGeometry& g = params.geometry;
  const int64_t multiplier = s.o / s.c;
  Tensor<int64_t> out({s.n, s.o, s.ho, s.wo});
  int64_t overflow_events = 0;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t c = 0; c < s.c; ++c) {
      for (int64_t j = 0; j < multiplier; ++j) {
        const int64_t oc = c * multiplier + j;
        const int64_t zw = WeightZeroPoint(params, oc);
        for (int64_t oy = 0; oy < s.ho; ++oy) {
          for (int64_t ox = 0; ox < s.wo; ++ox) {
            int64_t acc = 0;
            if (!bias.empty()) {
              acc = AccumulateLoad(bias[static_cast<size_t>(oc)], params.accumulator,
                                   &overflow_events);
            }
            for (int64_t ky = 0; ky < s.kh; ++ky) {
              for (int64_t kx = 0; kx < s.kw; ++kx) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                int64_t xv = 0;  // padding contributes (z_x - z_x) = 0
                if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) {
                  xv = int64_t{x[((n * s.c + c) * s.h + iy) * s.w + ix]} - params.input_zero_point;
                }
                const int64_t wv = int64_t{w[(oc * s.kh + ky) * s.kw + kx]} - zw;
                acc = AccumulateAdd(acc, xv * wv, params.accumulator, &overflow_events);
              }
            }
            out[((n * s.o + oc) * s.ho + oy) * s.wo + ox] = acc;
          }
        }
      }
    }
  }
  if (stats != nullptr) {
    stats->Record(s.n * s.o * s.ho * s.wo * s.kh * s.kw, overflow_events, out);
  }
  return out;
}

}  // namespace quasar::models
