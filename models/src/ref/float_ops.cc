#include "quasar/models/ref/float_ops.h"

#include <algorithm>
#include <string>

#include "kernel_checks.h"
#include "quasar/models/error.h"
#include "quasar/models/ref/gemm.h"

namespace quasar::models {
namespace {

// dst[i] += w * src[i] for i in [0, n). The body runs in fixed blocks of 8 (then 4) so that GCC
// vectorizes it even at -O2, whose cost model only vectorizes loops with a trip count known to be a
// multiple of the vector width; __restrict spares the run-time alias check. dst and src never
// overlap.
inline void MulAddRow(float* __restrict dst, const float* __restrict src, float w, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int64_t j = 0; j < 8; ++j) {
      dst[i + j] += w * src[i + j];
    }
  }
  if (i + 4 <= n) {  // short rows (7x7 planes) still get one vector
    for (int64_t j = 0; j < 4; ++j) {
      dst[i + j] += w * src[i + j];
    }
    i += 4;
  }
  for (; i < n; ++i) {
    dst[i] += w * src[i];
  }
}

// sum_i a[i] * b[i] in eight interleaved partial sums, then combined in order.
inline float Dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int64_t j = 0; j < 8; ++j) {
      part[j] += a[i + j] * b[i + j];
    }
  }
  float sum = 0.0f;
  for (float p : part) {
    sum += p;
  }
  for (; i < n; ++i) {
    sum += a[i] * b[i];
  }
  return sum;
}

// Input rows stored split by the horizontal stride s: each row of width W is rearranged as its
// phase 0 (columns 0, s, 2s, ...), then phase 1 (1, 1+s, ...), and so on, so every kernel tap
// reads a contiguous run of the row whatever the stride. With s = 1 this is the input itself.
struct PhasedInput {
  std::vector<float> storage;         // used when s > 1
  const float* data = nullptr;        // [N*C, H, W] phase-split rows
  std::vector<int64_t> start, count;  // per phase: offset within a row and length
};

PhasedInput SplitPhases(const FloatTensor& x, int64_t s) {
  const int64_t rows = x.dim(0) * x.dim(1) * x.dim(2), w = x.dim(3);
  PhasedInput p;
  p.start.assign(static_cast<size_t>(s), 0);
  p.count.assign(static_cast<size_t>(s), 0);
  for (int64_t r = 0; r < s; ++r) {
    const auto u = static_cast<size_t>(r);
    p.count[u] = r < w ? (w - r + s - 1) / s : 0;
    p.start[u] = r == 0 ? 0 : p.start[u - 1] + p.count[u - 1];
  }
  if (s == 1) {
    p.data = x.data.data();
    return p;
  }
  p.storage.resize(x.data.size());
  for (int64_t row = 0; row < rows; ++row) {
    const float* in = &x.data[static_cast<size_t>(row * w)];
    float* out = &p.storage[static_cast<size_t>(row * w)];
    for (int64_t ix = 0; ix < w; ++ix) {
      out[p.start[static_cast<size_t>(ix % s)] + ix / s] = in[ix];
    }
  }
  p.data = p.storage.data();
  return p;
}

// Where horizontal tap kx reads: phase `phase`, column shift `shift` (input index within the
// phase = ox + shift), and the output columns [lo, hi) whose tap is in bounds.
struct ColumnTap {
  int64_t phase, shift, lo, hi;
};

// The convolution proper. `g.groups` must already be the effective group count.
FloatTensor ConvImpl(const FloatTensor& x, const FloatTensor& w, const std::vector<float>& bias,
                     const Conv2dGeometry& g) {
  const Shape out_shape = Conv2dOutputShape(x.shape, w.shape, g);
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t og = o / g.groups, ho = out_shape[2], wo = out_shape[3];
  Require(bias.empty() || static_cast<int64_t>(bias.size()) == o,
          "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(o));

  const int64_t s = g.stride_w;
  const PhasedInput in = SplitPhases(x, s);
  std::vector<ColumnTap> taps(static_cast<size_t>(kw));
  for (int64_t kx = 0; kx < kw; ++kx) {
    const int64_t off = kx * g.dilation_w - g.pad_left;  // input column of ox = 0
    const int64_t phase = ((off % s) + s) % s;
    const int64_t shift = (off - phase) / s;
    const int64_t count = in.count[static_cast<size_t>(phase)];
    taps[static_cast<size_t>(kx)] = {phase, shift, std::max<int64_t>(0, -shift),
                                     std::min(wo, count - shift)};
  }

  FloatTensor out(out_shape);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oc = 0; oc < o; ++oc) {
      float* plane = &out[(b * o + oc) * ho * wo];
      std::fill(plane, plane + ho * wo, bias.empty() ? 0.0f : bias[static_cast<size_t>(oc)]);
      const int64_t first_ic = (oc / og) * cg;
      for (int64_t ic = 0; ic < cg; ++ic) {
        const float* xc = in.data + ((b * c + first_ic + ic) * h) * wd;
        const float* wc = w.data.data() + (oc * cg + ic) * kh * kw;
        for (int64_t ky = 0; ky < kh; ++ky) {
          for (int64_t kx = 0; kx < kw; ++kx) {
            const float wv = wc[ky * kw + kx];
            const ColumnTap& t = taps[static_cast<size_t>(kx)];
            if (t.hi <= t.lo) {
              continue;
            }
            const float* src_col = xc + in.start[static_cast<size_t>(t.phase)] + t.shift + t.lo;
            for (int64_t oy = 0; oy < ho; ++oy) {
              const int64_t iy = oy * g.stride_h + ky * g.dilation_h - g.pad_top;
              if (iy < 0 || iy >= h) {
                continue;  // the whole row is padding
              }
              MulAddRow(plane + oy * wo + t.lo, src_col + iy * wd, wv, t.hi - t.lo);
            }
          }
        }
      }
    }
  }
  return out;
}

// The checks of the integer pooling kernels (pool_add.cc), with the same messages.
PoolShape CheckPool(const FloatTensor& x, const PoolParams& p) {
  const Conv2dGeometry& g = p.geometry;
  Require(x.rank() == 4, "pooling input must be NCHW, got " + ShapeToString(x.shape));
  Require(p.kernel_h >= 1 && p.kernel_w >= 1 && g.stride_h >= 1 && g.stride_w >= 1,
          "pooling kernel and stride must be >= 1");
  Require(g.pad_top >= 0 && g.pad_left >= 0 && g.pad_bottom >= 0 && g.pad_right >= 0 &&
              g.pad_top < p.kernel_h && g.pad_bottom < p.kernel_h && g.pad_left < p.kernel_w &&
              g.pad_right < p.kernel_w,
          "pooling padding must be in [0, kernel) so no window is all padding");
  PoolShape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3), 0, 0};
  // With H, W >= 1 and padding < kernel, every window holds at least one in-bounds tap.
  Require(s.h >= 1 && s.w >= 1, "pooling input has an empty plane: " + ShapeToString(x.shape));
  s.ho = ConvOutputSize(s.h, p.kernel_h, g.stride_h, g.pad_top, g.pad_bottom, 1);
  s.wo = ConvOutputSize(s.w, p.kernel_w, g.stride_w, g.pad_left, g.pad_right, 1);
  Require(s.ho >= 1 && s.wo >= 1,
          "pooling output would be empty for input " + ShapeToString(x.shape));
  return s;
}

// Calls f(plane, W, y0, y1, x0, x1) for every output window, with [y0, y1) x [x0, x1) the window's
// in-bounds rows and columns of input plane `plane` (row length W); stores what f returns.
template <typename F>
FloatTensor Pool(const FloatTensor& x, const PoolParams& p, F f) {
  const PoolShape s = CheckPool(x, p);
  const Conv2dGeometry& g = p.geometry;
  FloatTensor out({s.n, s.c, s.ho, s.wo});
  for (int64_t nc = 0; nc < s.n * s.c; ++nc) {
    const float* plane = &x[nc * s.h * s.w];
    for (int64_t oy = 0; oy < s.ho; ++oy) {
      const int64_t y = oy * g.stride_h - g.pad_top;
      const int64_t y0 = std::max<int64_t>(y, 0), y1 = std::min(y + p.kernel_h, s.h);
      for (int64_t ox = 0; ox < s.wo; ++ox) {
        const int64_t xx = ox * g.stride_w - g.pad_left;
        const int64_t x0 = std::max<int64_t>(xx, 0), x1 = std::min(xx + p.kernel_w, s.w);
        out[(nc * s.ho + oy) * s.wo + ox] = f(plane, s.w, y0, y1, x0, x1);
      }
    }
  }
  return out;
}

}  // namespace

FloatTensor FloatConv2d(const FloatTensor& x, const FloatTensor& w, const std::vector<float>& bias,
                        const Conv2dGeometry& g) {
  return ConvImpl(x, w, bias, g);
}

FloatTensor FloatDepthwiseConv2d(const FloatTensor& x, const FloatTensor& w,
                                 const std::vector<float>& bias, const Conv2dGeometry& g) {
  // Groups = C with C*m output channels: output oc belongs to group oc / m, i.e. channel oc / m.
  Conv2dGeometry depthwise = g;
  if (x.rank() == 4) {
    depthwise.groups = x.dim(1);
  }
  return ConvImpl(x, w, bias, depthwise);
}

FloatTensor FloatFullyConnected(const FloatTensor& x, const FloatTensor& w,
                                const std::vector<float>& bias) {
  FloatTensor out(FullyConnectedOutputShape(x.shape, w.shape));  // validates, as the int kernel
  const int64_t n = out.dim(0), o = out.dim(1), k = w.dim(1);
  Require(bias.empty() || static_cast<int64_t>(bias.size()) == o,
          "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(o));
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t oc = 0; oc < o; ++oc) {
      const float b = bias.empty() ? 0.0f : bias[static_cast<size_t>(oc)];
      out[row * o + oc] =
          b + Dot(&x.data[static_cast<size_t>(row * k)], &w.data[static_cast<size_t>(oc * k)], k);
    }
  }
  return out;
}

FloatTensor FloatMatMul(const FloatTensor& a, const FloatTensor& b) {
  const Shape out_shape = MatMulOutputShape(a.shape, b.shape);  // validates, as the int kernel
  const int64_t m = a.dim(a.rank() - 2);
  const int64_t k = a.dim(a.rank() - 1);
  const int64_t n = b.dim(b.rank() - 1);
  const int64_t batches = NumElements(Shape(a.shape.begin(), a.shape.end() - 2));
  FloatTensor out(out_shape);  // zero-filled
  for (int64_t bt = 0; bt < batches; ++bt) {
    const float* pa = a.data.data() + bt * m * k;
    const float* pb = b.data.data() + (b.rank() == 2 ? 0 : bt * k * n);
    for (int64_t i = 0; i < m; ++i) {
      float* row = out.data.data() + (bt * m + i) * n;
      for (int64_t kk = 0; kk < k; ++kk) {
        MulAddRow(row, pb + kk * n, pa[i * k + kk], n);
      }
    }
  }
  return out;
}

FloatTensor FloatMaxPool2d(const FloatTensor& x, const PoolParams& p) {
  return Pool(x, p,
              [](const float* plane, int64_t w, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
                float best = plane[y0 * w + x0];  // CheckPool guarantees at least one in-bounds tap
                for (int64_t y = y0; y < y1; ++y) {
                  for (int64_t xx = x0; xx < x1; ++xx) {
                    best = std::max(best, plane[y * w + xx]);
                  }
                }
                return best;
              });
}

FloatTensor FloatAvgPool2d(const FloatTensor& x, const PoolParams& p) {
  const float full_window = static_cast<float>(p.kernel_h * p.kernel_w);
  const bool include_pad = p.count_include_pad;
  return Pool(
      x, p, [=](const float* plane, int64_t w, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
        float sum = 0.0f;
        for (int64_t y = y0; y < y1; ++y) {
          for (int64_t xx = x0; xx < x1; ++xx) {
            sum += plane[y * w + xx];
          }
        }
        return sum / (include_pad ? full_window : static_cast<float>((y1 - y0) * (x1 - x0)));
      });
}

FloatTensor FloatAdd(const FloatTensor& a, const FloatTensor& b) {
  Require(a.shape == b.shape, "add operands differ in shape: " + ShapeToString(a.shape) + " and " +
                                  ShapeToString(b.shape));
  FloatTensor y(a.shape);
  for (int64_t i = 0; i < a.size(); ++i) {
    y[i] = a[i] + b[i];
  }
  return y;
}

void ApplyActivation(FloatTensor* t, Activation a) {
  if (a == Activation::kNone) {
    return;
  }
  const bool relu6 = a == Activation::kRelu6;
  for (float& v : t->data) {
    v = v < 0.0f ? 0.0f : v;  // comparisons with NaN are false: NaN passes through
    if (relu6) {
      v = v > 6.0f ? 6.0f : v;
    }
  }
}

std::vector<int64_t> SwapLastTwoAxes(int rank) {
  if (rank < 2) {
    throw InputError("a transposed matmul operand needs rank >= 2, got rank " +
                     std::to_string(rank));
  }
  std::vector<int64_t> perm(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    perm[static_cast<size_t>(d)] = d;
  }
  std::swap(perm[static_cast<size_t>(rank - 2)], perm[static_cast<size_t>(rank - 1)]);
  return perm;
}

Shape TransposedShape(const Shape& shape, const std::vector<int64_t>& perm) {
  std::string perm_text = "[";
  for (size_t i = 0; i < perm.size(); ++i) {
    perm_text += (i ? ", " : "") + std::to_string(perm[i]);
  }
  perm_text += "]";
  const std::string problem = "transpose: perm " + perm_text + " is not a permutation of the " +
                              std::to_string(shape.size()) + " axes of shape " +
                              ShapeToString(shape);
  Require(perm.size() == shape.size(), problem);
  std::vector<bool> seen(shape.size(), false);
  Shape out(shape.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    const int64_t axis = perm[i];
    Require(
        axis >= 0 && axis < static_cast<int64_t>(shape.size()) && !seen[static_cast<size_t>(axis)],
        problem);
    seen[static_cast<size_t>(axis)] = true;
    out[i] = shape[static_cast<size_t>(axis)];
  }
  return out;
}

}  // namespace quasar::models
