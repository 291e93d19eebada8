// softmax: e^x / sum of e^x along `axis` (onnx/docs/Operators.md, Softmax-13; negative axes
// count from the end). On the post-processing unit, dequantize, op, quantize (RunDequantized) as
// ONNX Runtime runs it between QDQ nodes. The float reference subtracts the row's maximum before
// exponentiating, which leaves the result unchanged and keeps e^x finite. Cost, an assumption
// stated in docs/onnx-import.md: per output, e^x from a table of the input codes, one add into the
// row's sum, one multiply by the sum's reciprocal, and the requantization (2 multiplies, 3 adds,
// 2 compares); the one reciprocal per row is not counted.
//
// `causal: true` fuses a causal mask, as attention's masked softmax does (the mask of
// "Attention Is All You Need", Vaswani et al. 2017, Sec. 3.2.3, which sets the illegal
// connections to -inf before the softmax): over the last axis, row r of the last two axes is the
// query at position position_offset + r mod query_period (query_period 0: the rows; a period
// below the rows is the query tokens repeated, as grouped heads folded into the rows are) and
// sees the columns 0..position; the max and the sum run over those, and the others are exactly
// 0, with no -inf in any tensor, so a quantized run needs no range for masked scores. The cost
// is counted for every output, masked or not (the post unit still writes each).

#include <algorithm>
#include <cmath>

#include "op_keys.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/spec/geometry_reader.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool SoftmaxShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                  Shape* out, int128*) {
  const Shape& x = *in[0];
  if (!shape::CheckAxis(l->axis, x, e)) {
    return false;
  }
  if (l->causal) {
    if (x.size() < 2 || shape::AxisIndex(l->axis, x.size()) != x.size() - 1) {
      e.Add("causal", "masks the last axis of a tensor of rank >= 2 (axis -1), got axis " +
                          shape::Num(l->axis) + " of " + ShapeToString(x));
      return false;
    }
    const int64_t rows = x[x.size() - 2];
    if (l->causal_offset < 0 || l->causal_offset > kMaxExtent) {
      e.Add("position_offset",
            "must be in 0.." + shape::Num(kMaxExtent) + ", got " + shape::Num(l->causal_offset));
      return false;
    }
    if (l->causal_period < 0 || (l->causal_period > 0 && rows % l->causal_period != 0)) {
      e.Add("query_period", "must be 0 or divide the rows (" + shape::Num(rows) + "), got " +
                                shape::Num(l->causal_period));
      return false;
    }
  }
  *out = x;
  return true;
}

FloatTensor Softmax(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                    const FloatLayerParams*) {
  const FloatTensor& x = *in[0];
  const auto [outer, n, inner] = shape::SplitAt(x.shape, shape::AxisIndex(l.axis, x.shape.size()));
  // Causal: the axis is the last (inner 1), so `o` runs over the rows of every leading index.
  const int64_t rows = x.shape.size() >= 2 ? x.shape[x.shape.size() - 2] : 1;
  const int64_t period = l.causal_period > 0 ? l.causal_period : rows;
  FloatTensor y(x.shape);  // zeros: the masked outputs
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t seen = l.causal ? std::min(n, l.causal_offset + o % rows % period + 1) : n;
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      float top = x[base];
      for (int64_t j = 1; j < seen; ++j) {
        top = std::max(top, x[base + j * inner]);
      }
      float sum = 0;
      for (int64_t j = 0; j < seen; ++j) {
        y[base + j * inner] = std::exp(x[base + j * inner] - top);
        sum += y[base + j * inner];
      }
      for (int64_t j = 0; j < seen; ++j) {
        y[base + j * inner] /= sum;
      }
    }
  }
  return y;
}

// The mask's keys, written only when it is on (a plain softmax writes `axis` alone).
void WriteSoftmaxKeys(KeyWriter& w, const NetLayer& l) {
  if (l.causal) {
    w.Bool("causal", true);
    w.Int("position_offset", l.causal_offset);
    w.Int("query_period", l.causal_period);
  }
}

// Read as given; the shape rule checks the values.
void ReadSoftmaxKeys(const MapReader& m, NetLayer* l) {
  l->causal = m.Bool("causal", false).value_or(false);
  if (auto v = m.Int("position_offset", false)) {
    l->causal_offset = *v;
  }
  if (auto v = m.Int("query_period", false)) {
    l->causal_period = *v;
  }
  if (!l->causal && (m.Has("position_offset") || m.Has("query_period"))) {
    m.Error(m.Has("position_offset") ? "position_offset" : "query_period",
            "places a causal mask's queries: give it with causal: true");
  }
}

}  // namespace

std::vector<OpDef> SoftmaxOps() {
  OpDef d = DequantizedPostOp(
      NetOp::kSoftmax, "softmax", {"axis", "causal", "position_offset", "query_period"},
      [](const NetLayer&, const NetworkSpec&) {
        return PostEvents{2, 3, 2};
      },
      SoftmaxShape, Softmax);
  d.write_keys = WriteSoftmaxKeys;
  d.read_keys = ReadSoftmaxKeys;
  return {d};
}

}  // namespace quasar::models
