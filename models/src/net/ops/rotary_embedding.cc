// rotary_embedding: rotary position embedding (RoPE) of an [..., S, D] tensor, the positions
// along the second-to-last dimension and the features (a head's) along the last. Su et al.,
// "RoFormer: Enhanced Transformer with Rotary Position Embedding", 2021, Sec. 3.4.2, eq. 34:
// row s is at position p = position_offset + s (a decode step after L cached tokens has
// position_offset L), and for i in [0, rotary_dim / 2), with theta_i = base^(-2i / rotary_dim),
// the pair (x_a, x_b) becomes
//   (x_a cos(p theta_i) - x_b sin(p theta_i),  x_a sin(p theta_i) + x_b cos(p theta_i)),
// where (a, b) = (i, i + rotary_dim / 2) (the rotate-half layout of GPT-NeoX and Hugging Face's
// Llama), or (2i, 2i + 1) when `interleaved` (RoFormer's eq. 34 and Meta's Llama reference
// code); the names follow ONNX's RotaryEmbedding-23 attribute `interleaved`
// (onnx/docs/Operators.md). Features from rotary_dim on pass through unchanged (rotary_dim 0:
// all D rotate). Arithmetic, so that the kernel is reproducible: theta_i = pow(base, -2i /
// rotary_dim) and the angle p theta_i in double, its cos and sin (the C library's, in double)
// rounded to float32; each output x_a c - x_b s (or x_a s + x_b c) from the float32 values in
// double (the products are exact there) and rounded once to float32.
// On the post-processing unit, dequantize, op, quantize (RunDequantized). Cost per output, an
// assumption stated in docs/network-format.md: 2 multiplies and 1 add, and the requantization
// (in all 3 multiplies, 3 adds, 2 compares), for every output, those that pass through
// included; the cos and sin come from a table of one pair per position and frequency, shared by
// every head and batch element, not counted (as resize_linear's tap weights).

#include <cmath>

#include "op_keys.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/spec/geometry_reader.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool RotaryShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
                 int128*) {
  const Shape& x = *in[0];
  bool ok = true;
  if (!(std::isfinite(l->rope_base) && l->rope_base > 0)) {
    e.Add("base", "must be a finite number > 0, got " + std::to_string(l->rope_base));
    ok = false;
  }
  if (l->rope_offset < 0 || l->rope_offset > kMaxExtent) {
    e.Add("position_offset",
          "must be in 0.." + shape::Num(kMaxExtent) + ", got " + shape::Num(l->rope_offset));
    ok = false;
  }
  if (x.size() < 2) {
    e.Add("input", "must be [..., S, D] (positions, then features), got " + ShapeToString(x));
    return false;
  }
  const int64_t d = x.back();
  if (l->rope_dim < 0 || l->rope_dim > d || l->rope_dim % 2 != 0) {
    e.Add("rotary_dim", "must be even and in 0.." + shape::Num(d) + " (the input " +
                            ShapeToString(x) + "'s last dimension; 0: all of it), got " +
                            shape::Num(l->rope_dim));
    ok = false;
  } else if (l->rope_dim == 0 && d % 2 != 0) {
    e.Add("rotary_dim",
          "0 rotates the whole last dimension, which must then be even, but the "
          "input is " +
              ShapeToString(x));
    ok = false;
  }
  *out = x;
  return ok;
}

FloatTensor Rotary(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                   const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const size_t rank = x.shape.size();
  const int64_t d = x.shape[rank - 1], s = x.shape[rank - 2];
  const int64_t rd = l.rope_dim == 0 ? d : l.rope_dim, half = rd / 2;
  // cos and sin of p theta_i, per row and frequency.
  std::vector<float> cosines(static_cast<size_t>(s * half)), sines(cosines.size());
  for (int64_t row = 0; row < s; ++row) {
    const auto p = static_cast<double>(l.rope_offset + row);
    for (int64_t i = 0; i < half; ++i) {
      const double theta =
          std::pow(l.rope_base, -2.0 * static_cast<double>(i) / static_cast<double>(rd));
      const double angle = p * theta;
      cosines[static_cast<size_t>(row * half + i)] = static_cast<float>(std::cos(angle));
      sines[static_cast<size_t>(row * half + i)] = static_cast<float>(std::sin(angle));
    }
  }
  FloatTensor y = x;  // the features from rotary_dim on pass through
  const int64_t rows = x.size() / d;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t base = r * d, row = r % s;
    for (int64_t i = 0; i < half; ++i) {
      const int64_t a = base + (l.rope_interleaved ? 2 * i : i);
      const int64_t b = base + (l.rope_interleaved ? 2 * i + 1 : i + half);
      const double c = cosines[static_cast<size_t>(row * half + i)];
      const double sn = sines[static_cast<size_t>(row * half + i)];
      const double xa = x[a], xb = x[b];
      y[a] = static_cast<float>(xa * c - xb * sn);
      y[b] = static_cast<float>(xa * sn + xb * c);
    }
  }
  return y;
}

void WriteRotaryKeys(KeyWriter& w, const NetLayer& l) {
  w.Double("base", l.rope_base);
  w.Int("position_offset", l.rope_offset);
  w.Int("rotary_dim", l.rope_dim);
  w.Bool("interleaved", l.rope_interleaved);
}

// Read as given; the shape rule checks the values (so that a layer built in code is checked
// alike).
void ReadRotaryKeys(const MapReader& m, NetLayer* l) {
  if (auto v = m.Double("base", false)) {
    l->rope_base = *v;
  }
  if (auto v = m.Int("position_offset", false)) {
    l->rope_offset = *v;
  }
  if (auto v = m.Int("rotary_dim", false)) {
    l->rope_dim = *v;
  }
  if (auto v = m.Bool("interleaved", false)) {
    l->rope_interleaved = *v;
  }
}

}  // namespace

std::vector<OpDef> RotaryEmbeddingOps() {
  OpDef d = DequantizedPostOp(
      NetOp::kRotaryEmbedding, "rotary_embedding",
      {"base", "position_offset", "rotary_dim", "interleaved"},
      [](const NetLayer&, const NetworkSpec&) {
        return PostEvents{3, 3, 2};
      },
      RotaryShape, Rotary);
  d.write_keys = WriteRotaryKeys;
  d.read_keys = ReadRotaryKeys;
  return {d};
}

}  // namespace quasar::models
