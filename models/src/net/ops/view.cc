// flatten and reshape: a new view of the same data; nothing moves.

#include "quasar/models/net/ops.h"

#include <algorithm>
#include <numeric>

#include "op_keys.h"
#include "quasar/models/spec/geometry_reader.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

bool FlattenShape(NetLayer*, const std::vector<const Shape*>& in, const LayerErrors& e,
                  Shape* out, int128*) {
  const Shape& x = *in[0];
  if (x.size() < 2) {
    e.Add("input", "flatten needs a tensor of rank >= 2, got " + ShapeToString(x));
    return false;
  }
  *out = {x[0], static_cast<int64_t>(shape::Product(x, 1, x.size()))};
  return true;
}

bool ReshapeShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e,
                  Shape* out, int128*) {
  const Shape& x = *in[0];
  *out = l->target_shape;
  const auto unknown = std::count(out->begin(), out->end(), int64_t{-1});
  const bool bad_dim =
      std::any_of(out->begin(), out->end(), [](int64_t d) { return d == 0 || d < -1; });
  const int64_t known =
      std::accumulate(out->begin(), out->end(), int64_t{1},
                      [](int64_t a, int64_t d) { return d == -1 ? a : a * d; });
  const int64_t total = NumElements(x);
  if (unknown > 1 || bad_dim || known == 0 || (unknown == 0 && known != total) ||
      (unknown == 1 && total % known != 0)) {
    e.Add("shape", "cannot reshape " + ShapeToString(x) + " (" + shape::Num(total) +
                       " elements) to " + ShapeToString(l->target_shape));
    return false;
  }
  std::replace(out->begin(), out->end(), int64_t{-1}, total / known);
  return true;
}

FloatTensor SameData(const NetLayer& l, const std::vector<const FloatTensor*>& in,
                     const FloatLayerParams*) {
  return FloatTensor(l.output_shape, in[0]->data);
}

IntTensor SameInts(const NetLayer& l, const IntTensor& x, const QuantParams&) {
  return IntTensor(l.output_shape, x.data);
}

}  // namespace

std::vector<OpDef> ViewOps() {
  const auto none = [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; };
  std::vector<OpDef> ops = {
      {NetOp::kFlatten, "flatten", {}, false, true, OpLowering::kView, nullptr, none,
       FlattenShape, SameData, NoKernel, SameInts, OneInput},
      {NetOp::kReshape, "reshape", {"shape"}, false, true, OpLowering::kView, nullptr, none,
       ReshapeShape, SameData, NoKernel, SameInts, OneInput},
  };
  ops[1].write_keys = [](KeyWriter& w, const NetLayer& l) { w.IntList("shape", l.target_shape); };
  ops[1].read_keys = [](const MapReader& m, NetLayer* l) {
    if (auto s = m.IntList("shape", true)) {
      l->target_shape = *s;
      if (std::any_of(s->begin(), s->end(), [](int64_t d) { return d > kMaxExtent; })) {
        m.Error("shape", "every dimension must be <= " + std::to_string(kMaxExtent) + ", got " +
                             ShapeToString(*s));
      }
    }
  };
  return ops;
}

}  // namespace quasar::models
