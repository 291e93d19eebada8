// pad: `pads` elements added before and after each dimension (ONNX's order: every dimension's
// count before, then every dimension's count after), filled as `mode` says (ONNX's Pad,
// onnx/docs/Operators.md): constant, with `value` (default 0); reflect, mirrored about the edge
// element (which is not repeated); edge, repeating the edge element. Data movement through the
// post unit: the output keeps the input's quantization, and the constant is its code in the
// input's quantization (QuantizeInput with the layer's rounding), so 0 is the zero point,
// exactly.

#include <algorithm>
#include <cmath>

#include "quasar/models/enum_names.h"
#include "quasar/models/fidelity.h"
#include "quasar/models/net/ops.h"
#include "quasar/models/spec/geometry_reader.h"
#include "op_keys.h"
#include "shape_util.h"

namespace quasar::models {
namespace {

constexpr EnumTable<PadMode, 3> kPadModes = {
    {{PadMode::kConstant, "constant"}, {PadMode::kReflect, "reflect"}, {PadMode::kEdge, "edge"}}};

bool PadShape(NetLayer* l, const std::vector<const Shape*>& in, const LayerErrors& e, Shape* out,
              int128*) {
  const Shape& x = *in[0];
  const size_t rank = x.size();
  if (l->pads.size() != 2 * rank) {
    e.Add("pads", "must hold " + shape::Num(static_cast<int64_t>(2 * rank)) +
                      " counts (before, then after, each dimension of " + ShapeToString(x) +
                      "), got " + shape::Num(static_cast<int64_t>(l->pads.size())));
    return false;
  }
  *out = x;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t before = l->pads[d], after = l->pads[rank + d];
    if (before < 0 || after < 0 || before > kMaxExtent || after > kMaxExtent) {
      e.Add("pads", "must be in 0.." + shape::Num(kMaxExtent) + ", got " +
                        shape::Num(std::min(before, after) < 0 ? std::min(before, after)
                                                               : std::max(before, after)));
      return false;
    }
    if (l->pad_mode == PadMode::kReflect && std::max(before, after) > x[d] - 1) {
      e.Add("pads", "reflect pads dimension " + shape::Num(static_cast<int64_t>(d)) + " (extent " +
                        shape::Num(x[d]) + ") by at most " + shape::Num(x[d] - 1) + ", got " +
                        shape::Num(std::max(before, after)));
      return false;
    }
    (*out)[d] += before + after;
  }
  return true;
}

// The input index that output index `i` of a dimension reads (-1: the constant).
int64_t Source(int64_t i, int64_t before, int64_t n, PadMode mode) {
  const int64_t j = i - before;
  if (j >= 0 && j < n) {
    return j;
  }
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return j < 0 ? 0 : n - 1;
    case PadMode::kReflect:
      return j < 0 ? -j : 2 * (n - 1) - j;
  }
  return -1;
}

template <typename T>
Tensor<T> Padded(const NetLayer& l, const Tensor<T>& x, T fill) {
  Tensor<T> y(l.output_shape);
  const size_t rank = x.shape.size();
  std::vector<int64_t> at(rank, 0);  // the output index, odometer style
  for (int64_t o = 0; o < y.size(); ++o) {
    int64_t src = 0;
    for (size_t d = 0; d < rank && src >= 0; ++d) {
      const int64_t s = Source(at[d], l.pads[d], x.shape[d], l.pad_mode);
      src = s < 0 ? -1 : src * x.shape[d] + s;
    }
    y[o] = src < 0 ? fill : x[src];
    for (size_t d = rank; d-- > 0;) {
      if (++at[d] < y.shape[d]) {
        break;
      }
      at[d] = 0;
    }
  }
  return y;
}

}  // namespace

std::string PadModeName(PadMode m) { return EnumName(kPadModes, m); }
std::optional<PadMode> ParsePadMode(const std::string& name) { return ParseEnum(kPadModes, name); }
std::string PadModeChoices() { return EnumChoices(kPadModes); }

std::vector<OpDef> PadOps() {
  std::vector<OpDef> ops = {{NetOp::kPad,
           "pad",
           {"pads", "mode", "value"},
           false,
           true,
           OpLowering::kPost,
           nullptr,
           [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; },
           PadShape,
           [](const NetLayer& l, const std::vector<const FloatTensor*>& in,
              const FloatLayerParams*) {
             return Padded(l, *in[0], static_cast<float>(l.pad_value));
           },
           NoKernel,
           [](const NetLayer& l, const IntTensor& x, const QuantParams& p) {
             const FloatTensor value({1}, static_cast<float>(l.pad_value));
             return Padded(l, x, QuantizeInput(value, p, l.precision.rounding)[0]);
           },
           OneInput}};
  ops[0].write_keys = [](KeyWriter& w, const NetLayer& l) {
    w.IntList("pads", l.pads);
    w.String("mode", PadModeName(l.pad_mode));
    w.Double("value", l.pad_value);
  };
  ops[0].read_keys = [](const MapReader& m, NetLayer* l) {
    if (auto p = m.IntList("pads", true)) {
      l->pads = *p;
    }
    if (auto v = m.Double("value", false)) {
      l->pad_value = *v;
      if (!std::isfinite(*v)) {
        m.Error("value", "must be a finite number, got " + std::to_string(*v));
      }
    }
    if (auto mode = m.String("mode", false)) {
      if (auto parsed = ParsePadMode(*mode)) {
        l->pad_mode = *parsed;
      } else {
        m.Error("mode", "must be one of " + PadModeChoices() + ", got '" + *mode + "'");
      }
    }
  };
  return ops;
}

}  // namespace quasar::models
