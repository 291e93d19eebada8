#include "quasar/models/ref/binary_conv2d.h"

#include <string>

#include "quasar/models/enum_names.h"
#include "quasar/models/error.h"

namespace quasar::models {
namespace {

void RequireBipolar(const IntTensor& t, const char* what) {
  for (int64_t i = 0; i < t.size(); ++i) {
    if (t[i] != 1 && t[i] != -1) {
      throw InputError(std::string("binary conv ") + what + " must hold -1/+1, element " +
                       std::to_string(i) + " is " + std::to_string(t[i]));
    }
  }
}

uint64_t SignBit(int32_t v) { return v < 0 ? 1u : 0u; }

}  // namespace

// "1" is an alias of "+1".
constexpr EnumTable<BinaryPad, 4> kBinaryPads = {{{BinaryPad::kPlusOne, "+1"},
                                                 {BinaryPad::kMinusOne, "-1"},
                                                 {BinaryPad::kZero, "0"},
                                                 {BinaryPad::kPlusOne, "1"}}};

std::string BinaryPadName(BinaryPad p) { return EnumName(kBinaryPads, p); }

std::optional<BinaryPad> ParseBinaryPad(const std::string& name) {
  return ParseEnum(kBinaryPads, name);
}

Tensor<int64_t> BinaryConv2dAccumulate(const IntTensor& x, const IntTensor& w,
                                       const std::vector<int32_t>& bias,
                                       const BinaryConvParams& params, KernelStats* stats) {
  if (params.lanes < 1 || params.lanes > kMaxBinaryLanes) {
    throw InputError("binary conv lanes must be in 1.." + std::to_string(kMaxBinaryLanes) +
                     ", got " + std::to_string(params.lanes));
  }
  const Conv2dGeometry& g = params.geometry;
  const Shape out_shape = Conv2dOutputShape(x.shape, w.shape, g);
  if (params.accumulator.bits < 8 || params.accumulator.bits > 64) {
    throw InputError("accumulator bits must be in 8..64, got " +
                     std::to_string(params.accumulator.bits));
  }
  RequireBipolar(x, "input");
  RequireBipolar(w, "weights");
  const int64_t n_batch = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t o = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  const int64_t ho = out_shape[2], wo = out_shape[3];
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != o) {
    throw InputError("binary conv bias has " + std::to_string(bias.size()) + " entries, expected " +
                     std::to_string(o));
  }
  const int64_t og = o / g.groups;
  const uint64_t pad_bit = params.pad == BinaryPad::kMinusOne ? 1u : 0u;

  Tensor<int64_t> out(out_shape);
  int64_t events = 0;
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t oc = 0; oc < o; ++oc) {
      const int64_t group = oc / og;
      for (int64_t oy = 0; oy < ho; ++oy) {
        for (int64_t ox = 0; ox < wo; ++ox) {
          int64_t acc = bias.empty() ? 0
                                     : AccumulateLoad(bias[static_cast<size_t>(oc)],
                                                      params.accumulator, &events);
          // A lane group of up to kMaxBinaryLanes taps is packed 64 taps per word; its
          // popcount is summed word by word and added to the accumulator once.
          uint64_t a_word = 0, w_word = 0;
          int filled = 0, in_word = 0, xor_count = 0;
          int64_t correction = 0;  // kZero: sum of the weights met by padding taps
          auto pop_word = [&]() {
            xor_count += __builtin_popcountll(a_word ^ w_word);
            a_word = w_word = 0;
            in_word = 0;
          };
          auto flush = [&]() {
            if (filled == 0) {
              return;
            }
            pop_word();
            acc = AccumulateAdd(acc, filled - 2 * xor_count, params.accumulator, &events);
            filled = 0;
            xor_count = 0;
          };
          for (int64_t ic = 0; ic < cg; ++ic) {
            const int64_t ci = group * cg + ic;
            for (int64_t ky = 0; ky < kh; ++ky) {
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                const int32_t wv = w[((oc * cg + ic) * kh + ky) * kw + kx];
                uint64_t a_bit = pad_bit;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                  a_bit = SignBit(x[((n * c + ci) * h + iy) * wd + ix]);
                } else if (params.pad == BinaryPad::kZero) {
                  correction += wv;  // the +1 padding tap contributed +1 * wv
                }
                a_word |= a_bit << in_word;
                w_word |= SignBit(wv) << in_word;
                ++filled;
                if (++in_word == 64) {
                  pop_word();
                }
                if (filled == params.lanes) {
                  flush();
                }
              }
            }
          }
          flush();
          if (correction != 0) {
            acc = AccumulateAdd(acc, -correction, params.accumulator, &events);
          }
          out[((n * o + oc) * ho + oy) * wo + ox] = acc;
        }
      }
    }
  }
  if (stats != nullptr) {
    stats->Record(n_batch * o * ho * wo * cg * kh * kw, events, out);
  }
  return out;
}

}  // namespace quasar::models
