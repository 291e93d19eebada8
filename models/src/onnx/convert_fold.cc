// ConstantOfShape, Equal, Where and Expand of constants, folded at import: the shape arithmetic
// exporters emit around Expand (torchvision's ViT expands its class token to the batch with
// Shape, ConstantOfShape, Equal, Where and Expand). Semantics: onnx/docs/Operators.md of each op;
// broadcasting is numpy's (multidirectional for Equal, Where and Expand). Computed operands are
// refused (Quasar has no layer for them), except Expand's, which becomes concats of copies.

#include "importer.h"
#include "quasar/models/memory_limit.h"

namespace quasar::models::onnx_import {
namespace {

const Constant& Folded(const Node& node, int i, const char* what) {
  if (!node.In(i).is_constant()) {
    throw NodeError(std::string("is applied to a computed ") + what +
                    "; Quasar folds this op on constants only");
  }
  return *node.In(i).constant;
}

std::vector<int64_t> ShapeInput(const Node& node, int i) {
  const Constant& s = Folded(node, i, "shape");
  if (!s.integer || s.shape.size() != 1) {
    throw NodeError("takes a shape that is not a 1-D integer tensor (" + Dims(s.shape) + ")");
  }
  for (int64_t d : s.ints) {
    if (d < 0) {
      throw NodeError("takes the shape " + Dims(s.ints) + " with a negative dimension");
    }
  }
  return s.ints;
}

Constant Filled(Shape shape, bool integer) {
  CheckAllocation(ShapeBytes(shape, integer ? sizeof(int64_t) : sizeof(float)),
                  "folding a constant of shape " + Dims(shape));
  Constant c;
  c.shape = std::move(shape);
  c.integer = integer;
  if (c.size() > (int64_t{1} << 28)) {
    throw NodeError("would fold to a constant of shape " + Dims(c.shape) +
                    ", more than 2^28 elements");
  }
  if (integer) {
    c.ints.resize(static_cast<size_t>(c.size()));
  } else {
    c.floats.resize(static_cast<size_t>(c.size()));
  }
  return c;
}

void Set(Constant* c, int64_t i, double v) {
  if (c->integer) {
    c->ints[static_cast<size_t>(i)] = static_cast<int64_t>(v);
  } else {
    c->floats[static_cast<size_t>(i)] = static_cast<float>(v);
  }
}

void ConstantOfShape(const Node& node) {
  node.KnownAttributes({"value"});
  const std::vector<int64_t> shape = ShapeInput(node, 0);
  Constant value;  // the default: one float 0
  value.shape = {1};
  value.floats = {0.0f};
  if (node.HasAttribute("value")) {
    value = node.Tensor("value");
    if (value.size() != 1) {
      throw NodeError("has a value of shape " + Dims(value.shape) + "; it must hold one element");
    }
  }
  Constant out = Filled(shape, value.integer);
  for (int64_t i = 0; i < out.size(); ++i) {
    Set(&out, i, value.integer ? static_cast<double>(value.ints[0]) : value.floats[0]);
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

void Equal(const Node& node) {
  node.KnownAttributes({});
  const Constant& a = Folded(node, 0, "tensor");
  const Constant& b = Folded(node, 1, "tensor");
  Constant out = Filled(BroadcastShapes(a.shape, b.shape), true);  // bool as 0 / 1
  for (int64_t i = 0; i < out.size(); ++i) {
    Set(&out, i, ConstantAt(a, out.shape, i) == ConstantAt(b, out.shape, i) ? 1 : 0);
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

void Where(const Node& node) {
  node.KnownAttributes({});
  const Constant& cond = Folded(node, 0, "condition");
  const Constant& x = Folded(node, 1, "tensor");
  const Constant& y = Folded(node, 2, "tensor");
  if (x.integer != y.integer) {
    throw NodeError("chooses between an integer and a float constant");
  }
  Constant out = Filled(BroadcastShapes(cond.shape, BroadcastShapes(x.shape, y.shape)), x.integer);
  for (int64_t i = 0; i < out.size(); ++i) {
    const bool pick_x = ConstantAt(cond, out.shape, i) != 0;
    Set(&out, i, ConstantAt(pick_x ? x : y, out.shape, i));
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

constexpr int64_t kMaxExpandCopies = 4096;  // each a concat input

// Expand of a computed tensor (Hugging Face's repeat_kv: K and V [B, kv, 1, S, d] expanded to
// [B, kv, g, S, d], each KV head repeated for its g query heads): a reshape adding the leading
// 1s when the shape has more dimensions, then along each axis of extent 1 that grows to n a
// concat of n copies (ops/concat.cc), which is numpy's broadcast of that axis.
void ExpandComputed(const Node& node, const Value& x, const std::vector<int64_t>& shape) {
  const Shape out = BroadcastShapes(x.shape, shape);
  for (size_t a = 0; a < out.size(); ++a) {
    const int64_t have =
        a + x.shape.size() < out.size() ? 1 : x.shape[a + x.shape.size() - out.size()];
    if (out[a] != have && out[a] == 0) {
      throw NodeError("expands axis " + std::to_string(a) + " of a computed tensor " +
                      Dims(x.shape) + " to 0: an empty tensor");
    }
    if (out[a] != have && out[a] > kMaxExpandCopies) {
      throw NodeError("expands axis " + std::to_string(a) + " of a computed tensor " +
                      Dims(x.shape) + " to " + std::to_string(out[a]) + " copies; Quasar " +
                      "repeats a tensor at most " + std::to_string(kMaxExpandCopies) + " times");
    }
  }
  Importer& im = node.importer();
  std::string t = x.tensor;
  Shape cur = x.shape;
  const std::string base = LayerName(node);
  if (cur.size() < out.size()) {
    cur.insert(cur.begin(), out.size() - cur.size(), 1);
    NetLayer r;
    r.name = base + "_rank";
    r.op = NetOp::kReshape;
    r.inputs = {t};
    r.target_shape = cur;
    t = im.AddLayer(std::move(r), node.Out(0));
  }
  for (size_t a = 0; a < out.size(); ++a) {
    if (cur[a] == out[a]) {
      continue;
    }
    NetLayer c;
    c.name = base;
    c.op = NetOp::kConcat;
    c.axis = static_cast<int64_t>(a);
    c.inputs.assign(static_cast<size_t>(out[a]), t);
    cur[a] = out[a];
    t = im.AddLayer(std::move(c), node.Out(0));
  }
  if (t == x.tensor) {
    im.PassThrough(node.proto().input(0), node.Out(0));  // the shape is the input's already
  }
}

void Expand(const Node& node) {
  node.KnownAttributes({});
  if (!node.In(0).is_constant()) {
    ExpandComputed(node, node.In(0), ShapeInput(node, 1));
    return;
  }
  const Constant& x = Folded(node, 0, "tensor");
  const std::vector<int64_t> shape = ShapeInput(node, 1);
  Constant out = Filled(BroadcastShapes(x.shape, shape), x.integer);
  for (int64_t i = 0; i < out.size(); ++i) {
    Set(&out, i, ConstantAt(x, out.shape, i));
  }
  node.importer().BindConstant(node.Out(0), std::move(out));
}

}  // namespace

std::vector<Converter> FoldConverters() {
  return {{"ConstantOfShape", 9, ConstantOfShape},
          {"Equal", 7, Equal},
          {"Where", 9, Where},
          {"Expand", 8, Expand}};
}

}  // namespace quasar::models::onnx_import
