#include "quasar/models/ref/binary_conv2d.h"

#include <algorithm>
#include <string>
#include <vector>

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

  // Taps in (ic, ky, kx) order, packed 64 per word: the weights' sign bits once per output
  // channel, the input's once per output position (shared by every channel of its group).
  const int64_t k = cg * kh * kw;
  const int64_t words = (k + 63) / 64;
  std::vector<uint64_t> w_bits(static_cast<size_t>(o * words), 0);
  for (int64_t oc = 0; oc < o; ++oc) {
    for (int64_t t = 0; t < k; ++t) {
      w_bits[static_cast<size_t>(oc * words + t / 64)] |= SignBit(w[oc * k + t]) << (t % 64);
    }
  }
  // Popcount of bits [begin, end) of `v`.
  auto pop_range = [](const uint64_t* v, int64_t begin, int64_t end) {
    int count = 0;
    while (begin < end) {
      const int64_t word = begin / 64, lo = begin % 64;
      const int64_t hi = std::min<int64_t>(64, lo + (end - begin));
      const uint64_t mask = (hi - lo == 64 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo)) - 1)) << lo;
      count += __builtin_popcountll(v[word] & mask);
      begin += hi - lo;
    }
    return count;
  };

  Tensor<int64_t> out(out_shape);
  int64_t events = 0;
  std::vector<uint64_t> a_bits(static_cast<size_t>(words)), pad_mask(static_cast<size_t>(words));
  std::vector<uint64_t> x_xor(static_cast<size_t>(words));
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t group = 0; group < g.groups; ++group) {
      for (int64_t oy = 0; oy < ho; ++oy) {
        for (int64_t ox = 0; ox < wo; ++ox) {
          std::fill(a_bits.begin(), a_bits.end(), 0);
          std::fill(pad_mask.begin(), pad_mask.end(), 0);
          int64_t pad_taps = 0;  // kZero: taps on padding
          for (int64_t ic = 0, t = 0; ic < cg; ++ic) {
            const int64_t ci = group * cg + ic;
            for (int64_t ky = 0; ky < kh; ++ky) {
              for (int64_t kx = 0; kx < kw; ++kx, ++t) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                uint64_t a_bit = pad_bit;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                  a_bit = SignBit(x[((n * c + ci) * h + iy) * wd + ix]);
                } else if (params.pad == BinaryPad::kZero) {
                  pad_mask[static_cast<size_t>(t / 64)] |= uint64_t{1} << (t % 64);
                  ++pad_taps;
                }
                a_bits[static_cast<size_t>(t / 64)] |= a_bit << (t % 64);
              }
            }
          }
          for (int64_t oc = group * og; oc < (group + 1) * og; ++oc) {
            const uint64_t* wb = &w_bits[static_cast<size_t>(oc * words)];
            int64_t acc = bias.empty() ? 0
                                       : AccumulateLoad(bias[static_cast<size_t>(oc)],
                                                        params.accumulator, &events);
            for (int64_t i = 0; i < words; ++i) {
              x_xor[static_cast<size_t>(i)] = a_bits[static_cast<size_t>(i)] ^ wb[i];
            }
            // A lane group of `lanes` taps (the last one shorter) adds its popcount once:
            // filled - 2 * (taps whose signs differ).
            for (int64_t begin = 0; begin < k; begin += params.lanes) {
              const int64_t end = std::min<int64_t>(k, begin + params.lanes);
              acc = AccumulateAdd(acc, (end - begin) - 2 * pop_range(x_xor.data(), begin, end),
                                  params.accumulator, &events);
            }
            // kZero: a padding tap entered as +1 and contributed +w; take back the sum of w
            // over padding taps, (+1 taps) - (-1 taps).
            if (pad_taps > 0) {
              int64_t minus = 0;
              for (int64_t i = 0; i < words; ++i) {
                minus += __builtin_popcountll(pad_mask[static_cast<size_t>(i)] & wb[i]);
              }
              const int64_t correction = pad_taps - 2 * minus;
              if (correction != 0) {
                acc = AccumulateAdd(acc, -correction, params.accumulator, &events);
              }
            }
            out[((n * o + oc) * ho + oy) * wo + ox] = acc;
          }
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
