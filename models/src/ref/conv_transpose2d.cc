#include "quasar/models/ref/conv_transpose2d.h"

#include <string>

#include "quasar/models/accumulator.h"
#include "quasar/models/error.h"

namespace quasar::models {
namespace {

void RequireConvTranspose(bool ok, const std::string& message) {
  if (!ok) {
    throw InputError("conv_transpose2d: " + message);
  }
}

}  // namespace

int64_t ConvTransposeOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                                int64_t pad_end, int64_t dilation, int64_t output_padding) {
  return stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pad_begin - pad_end;
}

Shape ConvTranspose2dOutputShape(const Shape& x, const Shape& w, const Conv2dGeometry& g) {
  RequireConvTranspose(x.size() == 4, "input must be NCHW (rank 4), got shape " + ShapeToString(x));
  RequireConvTranspose(
      w.size() == 4, "weights must be [C_out, C_in/groups, KH, KW], got shape " + ShapeToString(w));
  RequireConvTranspose(g.stride_h >= 1 && g.stride_w >= 1, "stride must be >= 1");
  RequireConvTranspose(g.dilation_h >= 1 && g.dilation_w >= 1, "dilation must be >= 1");
  RequireConvTranspose(g.pad_top >= 0 && g.pad_left >= 0 && g.pad_bottom >= 0 && g.pad_right >= 0,
                       "padding must be >= 0");
  RequireConvTranspose(g.groups >= 1, "groups must be >= 1, got " + std::to_string(g.groups));
  RequireConvTranspose(x[1] % g.groups == 0 && w[0] % g.groups == 0,
                       "groups " + std::to_string(g.groups) + " must divide the input channels (" +
                           std::to_string(x[1]) + ") and the output channels (" +
                           std::to_string(w[0]) + ")");
  RequireConvTranspose(w[1] == x[1] / g.groups,
                       "weights " + ShapeToString(w) + " need dim 1 = C_in/groups = " +
                           std::to_string(x[1] / g.groups) + " for input " + ShapeToString(x));
  // Operators.md, ConvTranspose: output_padding must be below the stride or the dilation.
  RequireConvTranspose(g.output_pad_h >= 0 && g.output_pad_w >= 0 &&
                           (g.output_pad_h < g.stride_h || g.output_pad_h < g.dilation_h) &&
                           (g.output_pad_w < g.stride_w || g.output_pad_w < g.dilation_w),
                       "output_padding (" + std::to_string(g.output_pad_h) + ", " +
                           std::to_string(g.output_pad_w) +
                           ") must be >= 0 and below the stride or the " + "dilation");
  const int64_t ho = ConvTransposeOutputSize(x[2], w[2], g.stride_h, g.pad_top, g.pad_bottom,
                                             g.dilation_h, g.output_pad_h);
  const int64_t wo = ConvTransposeOutputSize(x[3], w[3], g.stride_w, g.pad_left, g.pad_right,
                                             g.dilation_w, g.output_pad_w);
  RequireConvTranspose(ho >= 1 && wo >= 1, "output would be empty for input " + ShapeToString(x) +
                                               " and weights " + ShapeToString(w));
  return {x[0], w[0], ho, wo};
}

Tensor<int64_t> ConvTranspose2dAccumulate(const IntTensor& x, const IntTensor& w,
                                          const std::vector<int32_t>& bias,
                                          const IntConvParams& p, KernelStats* stats) {
  const Conv2dGeometry& g = p.geometry;
  const Shape out_shape = ConvTranspose2dOutputShape(x.shape, w.shape, g);
  const int64_t n_batch = x.dim(0), c_in = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t c_out = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t og = c_out / g.groups, ho = out_shape[2], wo = out_shape[3];
  RequireConvTranspose(
      bias.empty() || static_cast<int64_t>(bias.size()) == c_out,
      "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(c_out));
  RequireConvTranspose(p.weight_zero_points.size() == 1 ||
                           static_cast<int64_t>(p.weight_zero_points.size()) == c_out,
                       "weight zero points: expected 1 or " + std::to_string(c_out) + " entries");
  Tensor<int64_t> out(out_shape);
  int64_t overflow_events = 0;
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t oc = 0; oc < c_out; ++oc) {
      const int64_t group = oc / og;
      const int64_t zw = p.weight_zero_points.size() == 1
                             ? p.weight_zero_points[0]
                             : p.weight_zero_points[static_cast<size_t>(oc)];
      for (int64_t oy = 0; oy < ho; ++oy) {
        for (int64_t ox = 0; ox < wo; ++ox) {
          int64_t acc = 0;
          if (!bias.empty()) {
            acc = AccumulateLoad(bias[static_cast<size_t>(oc)], p.accumulator, &overflow_events);
          }
          for (int64_t ic = 0; ic < cg; ++ic) {
            const int64_t c = group * cg + ic;
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t iy = ConvTransposeSource(oy, ky, g.stride_h, g.pad_top, g.dilation_h, h);
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ix =
                    ConvTransposeSource(ox, kx, g.stride_w, g.pad_left, g.dilation_w, wd);
                if (iy < 0 || ix < 0) {
                  continue;  // an inserted zero or a border: adds 0
                }
                const int64_t xv = int64_t{x[((n * c_in + c) * h + iy) * wd + ix]} -
                                   p.input_zero_point;
                const int64_t wv = int64_t{w[((oc * cg + ic) * kh + ky) * kw + kx]} - zw;
                acc = AccumulateAdd(acc, xv * wv, p.accumulator, &overflow_events);
              }
            }
          }
          out[((n * c_out + oc) * ho + oy) * wo + ox] = acc;
        }
      }
    }
  }
  if (stats != nullptr) {
    stats->Record(n_batch * c_out * ho * wo * cg * kh * kw, overflow_events, out);
  }
  return out;
}

FloatTensor FloatConvTranspose2d(const FloatTensor& x, const FloatTensor& w,
                                 const std::vector<float>& bias, const Conv2dGeometry& g) {
  const Shape out_shape = ConvTranspose2dOutputShape(x.shape, w.shape, g);
  const int64_t n_batch = x.dim(0), c_in = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t c_out = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t og = c_out / g.groups, ho = out_shape[2], wo = out_shape[3];
  RequireConvTranspose(
      bias.empty() || static_cast<int64_t>(bias.size()) == c_out,
      "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(c_out));
  // Accumulate in double, then add the bias, so the result does not depend on the order.
  std::vector<double> acc(static_cast<size_t>(NumElements(out_shape)), 0.0);
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t c = 0; c < c_in; ++c) {
      const int64_t group = c / cg, ic = c % cg;
      for (int64_t iy = 0; iy < h; ++iy) {
        for (int64_t ix = 0; ix < wd; ++ix) {
          const double xv = x[((n * c_in + c) * h + iy) * wd + ix];
          for (int64_t j = 0; j < og; ++j) {
            const int64_t oc = group * og + j;
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t oy = iy * g.stride_h + ky * g.dilation_h - g.pad_top;
              if (oy < 0 || oy >= ho) {
                continue;
              }
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ox = ix * g.stride_w + kx * g.dilation_w - g.pad_left;
                if (ox < 0 || ox >= wo) {
                  continue;
                }
                acc[static_cast<size_t>(((n * c_out + oc) * ho + oy) * wo + ox)] +=
                    xv * w[((oc * cg + ic) * kh + ky) * kw + kx];
              }
            }
          }
        }
      }
    }
  }
  FloatTensor out(out_shape);
  for (int64_t i = 0; i < out.size(); ++i) {
    const int64_t oc = (i / (ho * wo)) % c_out;
    out[i] = static_cast<float>(acc[static_cast<size_t>(i)] +
                                (bias.empty() ? 0.0 : bias[static_cast<size_t>(oc)]));
  }
  return out;
}

}  // namespace quasar::models
