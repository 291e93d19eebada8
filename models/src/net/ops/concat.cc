// concat: tensors joined along `axis` (negative counts from the end), every other dimension
// equal, as ONNX's Concat. Integer semantics: RunDequantized (each input dequantized with its
// own parameters, quantized to the output's), as ONNX Runtime's QLinearConcat; one
// requantization per output element on the post unit.

#include "quasar/models/net/ops.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

// The axis in [0, rank), or -1.
int64_t Normalized(int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  return axis < -r || axis >= r ? -1 : (axis < 0 ? axis + r : axis);
}

bool ConcatShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
                 int128*) {
  if (in.empty()) {
    e.Add("inputs", "a concat needs at least one input");
    return false;
  }
  const Shape& first = *in[0];
  const int64_t axis = Normalized(l->axis, first.size());
  if (axis < 0) {
    e.Add("axis", "must be in -" + shape::Num(static_cast<int64_t>(first.size())) + ".." +
                      shape::Num(static_cast<int64_t>(first.size()) - 1) + " for inputs of rank " +
                      shape::Num(static_cast<int64_t>(first.size())) + ", got " +
                      shape::Num(l->axis));
    return false;
  }
  *out = first;
  (*out)[static_cast<size_t>(axis)] = 0;
  for (const Shape* s : in) {
    bool same = s->size() == first.size();
    for (size_t d = 0; same && d < first.size(); ++d) {
      same = static_cast<int64_t>(d) == axis || (*s)[d] == first[d];
    }
    if (!same) {
      e.Add("inputs", ShapeToString(*s) + " does not join " + ShapeToString(first) +
                          " along axis " + shape::Num(axis));
      return false;
    }
    (*out)[static_cast<size_t>(axis)] += (*s)[static_cast<size_t>(axis)];
  }
  return true;
}

FloatTensor ConcatFloat(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                        const FloatLayerParams*) {
  const auto axis = static_cast<size_t>(Normalized(l.axis, in[0]->shape.size()));
  FloatTensor y(l.output_shape);
  int64_t outer = 1;
  for (size_t d = 0; d < axis; ++d) {
    outer *= y.shape[d];
  }
  int64_t at = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const FloatTensor* x : in) {
      const int64_t run = x->size() / outer;  // this input's slab of one outer index
      for (int64_t i = 0; i < run; ++i) {
        y[at++] = (*x)[o * run + i];
      }
    }
  }
  return y;
}

}  // namespace

std::vector<OpDef> ConcatOps() {
  return {DequantizedPostOp(NetOp::kConcat, "concat", {"axis"}, RequantizeEvents, ConcatShape,
                            ConcatFloat, /*inputs=*/0)};  // one or more
}

}  // namespace quasar::models
