// Constants and the shape arithmetic exporters emit (x.view(x.size(0), -1) exports as Shape,
// Gather, Unsqueeze, Concat and Reshape), folded at import: each op here takes constants (Shape
// also a computed tensor, whose shape is known) and binds its output to a constant. Concat,
// Slice and Split of computed tensors become concat and slice layers instead. Semantics:
// onnx/docs/Operators.md of each op.

#include <algorithm>

#include "importer.h"
#include "quasar/models/memory_limit.h"

namespace quasar::models::onnx_import {
namespace {

Constant Ints(Shape shape, std::vector<int64_t> values) {
  Constant c;
  c.shape = std::move(shape);
  c.integer = true;
  c.ints = std::move(values);
  return c;
}

// Row-major strides of `shape`.
std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) {
    s[i - 1] = s[i] * shape[i];
  }
  return s;
}

// Copies element `from` of `src` to element `to` of `dst` (same type).
void CopyElement(const Constant& src, int64_t from, Constant* dst, int64_t to) {
  if (src.integer) {
    dst->ints[static_cast<size_t>(to)] = src.ints[static_cast<size_t>(from)];
  } else {
    dst->floats[static_cast<size_t>(to)] = src.floats[static_cast<size_t>(from)];
  }
}

Constant Sized(const Constant& like, Shape shape) {
  CheckAllocation(ShapeBytes(shape, like.integer ? sizeof(int64_t) : sizeof(float)),
                  "folding a constant of shape " + Dims(shape));
  Constant c;
  c.integer = like.integer;
  c.shape = std::move(shape);
  if (c.integer) {
    c.ints.resize(static_cast<size_t>(c.size()));
  } else {
    c.floats.resize(static_cast<size_t>(c.size()));
  }
  return c;
}

void ConstantNode(const Node& node) {
  node.KnownAttributes({"value", "value_float", "value_floats", "value_int", "value_ints"});
  Constant c;
  if (node.HasAttribute("value")) {
    c = node.Tensor("value");
  } else if (node.HasAttribute("value_int")) {
    c = Ints({}, {node.Int("value_int", 0)});
  } else if (node.HasAttribute("value_ints")) {
    const auto v = node.Ints("value_ints");
    const auto n = static_cast<int64_t>(v.size());
    c = Ints({n}, v);
  } else if (node.HasAttribute("value_float")) {
    c.floats = {node.Float("value_float", 0.0f)};
  } else {
    throw NodeError("needs a value (value, value_float, value_int or value_ints)");
  }
  node.importer().BindConstant(node.Out(0), std::move(c));
}

// The shape of its input, sliced by start/end (opset 15).
void ShapeNode(const Node& node) {
  node.KnownAttributes({"start", "end"});
  const Shape& x = node.In(0).shape;
  const auto rank = static_cast<int64_t>(x.size());
  auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
  const int64_t start = clamp(node.Int("start", 0)), end = clamp(node.Int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) {
    dims.push_back(x[static_cast<size_t>(i)]);
  }
  const auto n = static_cast<int64_t>(dims.size());
  node.importer().BindConstant(node.Out(0), Ints({n}, std::move(dims)));
}

// out = data indexed by `indices` along `axis`: shape data[:axis] + indices + data[axis+1:].
// Gather of a computed tensor at one constant index (ViT's class token, x[:, 0]): a slice layer
// of that index, then a reshape dropping the axis when the index is a scalar.
void GatherOne(const Node& node) {
  const Value& x = node.In(0);
  const Constant& idx = node.ConstantIn(1, "the indices");
  if (!idx.integer || idx.size() != 1) {
    throw NodeError("gathers " + (idx.integer ? std::to_string(idx.size()) + " indices" :
                                                std::string("at float indices")) +
                    " from a computed tensor; Quasar gathers one constant index there");
  }
  const auto axis = static_cast<size_t>(Axis(node.Int("axis", 0), x.shape.size()));
  const int64_t n = x.shape[axis];
  int64_t k = idx.ints[0];
  if (k < -n || k >= n) {
    throw NodeError("index " + std::to_string(k) + " is out of range for " + std::to_string(n) +
                    " entries");
  }
  k = k < 0 ? k + n : k;
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kSlice;
  l.inputs = {x.tensor};
  l.axis = static_cast<int64_t>(axis);
  l.start = k;
  l.end = k + 1;
  if (!idx.shape.empty()) {  // [1] keeps the axis
    node.importer().AddLayer(std::move(l), node.Out(0));
    return;
  }
  const std::string sliced = node.importer().AddLayer(std::move(l), node.Out(0) + "#slice");
  NetLayer drop;
  drop.name = LayerName(node) + "_squeeze";
  drop.op = NetOp::kReshape;
  drop.inputs = {sliced};
  drop.target_shape = x.shape;
  drop.target_shape.erase(drop.target_shape.begin() + static_cast<std::ptrdiff_t>(axis));
  node.importer().AddLayer(std::move(drop), node.Out(0));
}

void Gather(const Node& node) {
  node.KnownAttributes({"axis"});
  if (node.Has(0) && !node.In(0).is_constant()) {
    GatherOne(node);
    return;
  }
  const Constant& data = node.ConstantIn(0, "the data");
  const Constant& idx = node.ConstantIn(1, "the indices");
  if (!idx.integer) {
    throw NodeError("the indices must be integers");
  }
  const auto axis = static_cast<size_t>(Axis(node.Int("axis", 0), data.shape.size()));
  const int64_t n = data.shape[axis];
  Shape shape(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1,
               data.shape.end());
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < data.shape.size(); ++i) {
    if (i < axis) {
      outer *= data.shape[i];
    } else if (i > axis) {
      inner *= data.shape[i];
    }
  }
  Constant out = Sized(data, shape);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < idx.size(); ++j) {
      int64_t k = idx.ints[static_cast<size_t>(j)];
      if (k < -n || k >= n) {
        throw NodeError("index " + std::to_string(k) + " is out of range for " +
                        std::to_string(n) + " entries");
      }
      k = k < 0 ? k + n : k;
      for (int64_t i = 0; i < inner; ++i) {
        CopyElement(data, (o * n + k) * inner + i, &out, (o * idx.size() + j) * inner + i);
      }
    }
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

// Concat of constants folds; with a computed tensor it is a concat layer (ops/concat.cc), its
// constant inputs constant layers (ops/constant.cc).
void Concat(const Node& node) {
  node.KnownAttributes({"axis"});
  int computed = 0;
  for (int i = 0; i < node.proto().input_size(); ++i) {
    computed += node.Has(i) && !node.In(i).is_constant() ? 1 : 0;
  }
  if (computed > 0) {  // constants joined to computed tensors are constant layers
    NetLayer l;
    l.name = LayerName(node);
    l.op = NetOp::kConcat;
    l.axis = node.Int("axis", 0);
    for (int i = 0; i < node.proto().input_size(); ++i) {
      if (node.Has(i)) {
        l.inputs.push_back(node.TensorIn(i));
      }
    }
    node.importer().AddLayer(std::move(l), node.Out(0));
    return;
  }
  std::vector<const Constant*> parts;
  for (int i = 0; i < node.proto().input_size(); ++i) {
    if (node.Has(i)) {
      parts.push_back(&node.ConstantIn(i, "an input"));
    }
  }
  if (parts.empty()) {
    throw NodeError("has no inputs");
  }
  const Constant& first = *parts[0];
  const auto axis = static_cast<size_t>(Axis(node.Int("axis", 0), first.shape.size()));
  Shape shape = first.shape;
  shape[axis] = 0;
  for (const Constant* p : parts) {
    Shape a = p->shape, b = first.shape;
    if (p->integer != first.integer || a.size() != b.size() ||
        !std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(axis), b.begin()) ||
        !std::equal(a.begin() + static_cast<std::ptrdiff_t>(axis) + 1, a.end(),
                    b.begin() + static_cast<std::ptrdiff_t>(axis) + 1)) {
      throw NodeError("the inputs " + Dims(first.shape) + " and " + Dims(p->shape) +
                      " do not concatenate along axis " + std::to_string(axis));
    }
    shape[axis] += p->shape[axis];
  }
  int64_t outer = 1;
  for (size_t i = 0; i < axis; ++i) {
    outer *= shape[i];
  }
  Constant out = Sized(first, shape);
  const int64_t row = out.size() / std::max<int64_t>(outer, 1);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t at = o * row;
    for (const Constant* p : parts) {
      const int64_t part = p->size() / std::max<int64_t>(outer, 1);
      for (int64_t i = 0; i < part; ++i) {
        CopyElement(*p, o * part + i, &out, at++);
      }
    }
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

// Cast of a constant to float32 or an integer type (TensorProto.DataType `to`); a cast of a
// computed float tensor to float32 passes it through.
void Cast(const Node& node) {
  node.KnownAttributes({"to", "saturate"});
  const int64_t to = node.Int("to", 0);
  const bool to_float = to == 1;
  const bool to_int = to == 2 || to == 3 || to == 4 || to == 5 || to == 6 || to == 7 || to == 9;
  const Value& x = node.In(0);
  if (!x.is_constant()) {
    if (!to_float) {
      throw NodeError("casts a computed tensor to data type " + std::to_string(to) +
                      "; float models compute in float32");
    }
    node.importer().PassThrough(node.proto().input(0), node.Out(0));
    return;
  }
  if (!to_float && !to_int) {
    throw NodeError("cast to data type " + std::to_string(to) + " is not supported");
  }
  const Constant& c = *x.constant;
  Constant out;
  out.shape = c.shape;
  out.integer = to_int;
  for (int64_t i = 0; i < c.size(); ++i) {
    const auto j = static_cast<size_t>(i);
    if (to_int) {
      out.ints.push_back(c.integer ? c.ints[j] : static_cast<int64_t>(c.floats[j]));
    } else {
      out.floats.push_back(c.integer ? static_cast<float>(c.ints[j]) : c.floats[j]);
    }
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

// Slice (opset 10: starts, ends, axes, steps as inputs), clamped as the spec says.
// Slice of a computed tensor along one axis with step 1: a slice layer.
void SliceLayer(const Node& node, const std::vector<int64_t>& starts,
                const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                const std::vector<int64_t>& steps) {
  if (starts.size() != 1 || (!axes.empty() && axes.size() != 1) ||
      (!steps.empty() && (steps.size() != 1 || steps[0] != 1))) {
    throw NodeError("slices a computed tensor along several axes or with a step; Quasar slices "
                    "one axis with step 1");
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kSlice;
  l.inputs = {node.In(0).tensor};
  l.axis = axes.empty() ? 0 : axes[0];
  l.start = starts[0];
  // Exporters write INT64_MAX for "to the end"; the slice clamps it to the axis.
  l.end = std::clamp<int64_t>(ends[0], -(int64_t{1} << 40), int64_t{1} << 40);
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void Slice(const Node& node) {
  node.KnownAttributes({});
  if (!node.In(0).is_constant()) {
    auto ints = [&](int i, const char* what) -> std::vector<int64_t> {
      return node.Has(i) ? node.ConstantIn(i, what).ints : std::vector<int64_t>{};
    };
    SliceLayer(node, ints(1, "starts"), ints(2, "ends"), ints(3, "axes"), ints(4, "steps"));
    return;
  }
  const Constant& data = node.ConstantIn(0, "the data");
  auto ints = [&](int i, const char* what) -> std::vector<int64_t> {
    if (!node.Has(i)) {
      return {};
    }
    const Constant& c = node.ConstantIn(i, what);
    if (!c.integer) {
      throw NodeError(std::string(what) + " must be integers");
    }
    return c.ints;
  };
  const auto starts = ints(1, "starts"), ends = ints(2, "ends");
  auto axes = ints(3, "axes"), steps = ints(4, "steps");
  if (starts.size() != ends.size()) {
    throw NodeError("starts and ends differ in length");
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) {
      axes.push_back(static_cast<int64_t>(i));
    }
  }
  if (steps.empty()) {
    steps.assign(starts.size(), 1);
  }
  if (axes.size() != starts.size() || steps.size() != starts.size()) {
    throw NodeError("axes and steps must be as long as starts");
  }
  const size_t rank = data.shape.size();
  std::vector<int64_t> begin(rank, 0), step(rank, 1);
  Shape shape = data.shape;
  for (size_t i = 0; i < starts.size(); ++i) {
    const auto a = static_cast<size_t>(Axis(axes[i], rank));
    const int64_t dim = data.shape[a], s = steps[i];
    if (s == 0) {
      throw NodeError("a step is 0");
    }
    auto clamp = [&](int64_t v) {
      v = v < 0 ? v + dim : v;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t b = clamp(starts[i]), e = clamp(ends[i]);
    begin[a] = b;
    step[a] = s;
    shape[a] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                     : std::max<int64_t>(0, (b - e - s - 1) / -s);
  }
  Constant out = Sized(data, shape);
  const auto in_strides = Strides(data.shape), out_strides = Strides(shape);
  for (int64_t o = 0; o < out.size(); ++o) {
    int64_t from = 0, rest = o;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t coord = rest / out_strides[d];
      rest %= out_strides[d];
      from += (begin[d] + coord * step[d]) * in_strides[d];
    }
    CopyElement(data, from, &out, o);
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

// Split of a computed tensor: one slice layer per output (opset 13: `split` sizes as an input;
// before it, an attribute; without them, equal parts).
void Split(const Node& node) {
  node.KnownAttributes({"axis", "split"});
  const Value& x = node.Activation(0, "the input");
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = node.Int("axis", 0);
  if (axis < -rank || axis >= rank) {
    throw NodeError("axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  }
  axis = axis < 0 ? axis + rank : axis;
  std::vector<int64_t> sizes = node.Ints("split");
  if (node.importer().opset() >= 13 && node.Has(1)) {
    sizes = node.ConstantIn(1, "the split sizes").ints;
  }
  const int64_t extent = x.shape[static_cast<size_t>(axis)];
  const int outputs = node.proto().output_size();
  if (sizes.empty()) {
    if (extent % outputs != 0) {
      throw NodeError("cannot split " + std::to_string(extent) + " into " +
                      std::to_string(outputs) + " equal parts");
    }
    sizes.assign(static_cast<size_t>(outputs), extent / outputs);
  }
  int64_t total = 0;
  for (int64_t v : sizes) {
    total += v;
  }
  if (static_cast<int>(sizes.size()) != outputs || total != extent) {
    throw NodeError("the split sizes " + Dims(sizes) + " do not divide the extent " +
                    std::to_string(extent) + " into " + std::to_string(outputs) + " outputs");
  }
  int64_t at = 0;
  for (int i = 0; i < outputs; ++i) {
    NetLayer l;
    l.name = LayerName(node) + "_" +
             std::to_string(i);
    l.op = NetOp::kSlice;
    l.inputs = {x.tensor};
    l.axis = axis;
    l.start = at;
    l.end = at + sizes[static_cast<size_t>(i)];
    at = l.end;
    node.importer().AddLayer(std::move(l), node.Out(i));
  }
}

}  // namespace

std::vector<Converter> ConstantConverters() {
  return {{"Constant", 1, ConstantNode}, {"Shape", 1, ShapeNode}, {"Gather", 1, Gather},
          {"Concat", 4, Concat},         {"Cast", 6, Cast},       {"Slice", 10, Slice},
          {"Split", 2, Split}};
}

}  // namespace quasar::models::onnx_import
