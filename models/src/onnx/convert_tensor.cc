// Element-wise sums and changes of view: Add becomes Quasar's add; Flatten, Reshape, Squeeze
// and Unsqueeze become flatten or reshape (or fold, on a constant); Transpose becomes
// transpose; Pad becomes pad; Identity and Dropout (inference) pass their input through.
// Semantics: onnx/docs/Operators.md of each op.

#include <algorithm>
#include <limits>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

int64_t Axis(int64_t axis, size_t rank, const char* what) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    throw NodeError(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(rank));
  }
  return axis < 0 ? axis + r : axis;
}

// A view of input 0 as `shape`: a reshape layer (flatten when it is [N, rest]), or the constant
// relabelled.
void View(const Node& node, const Shape& shape) {
  const Value& x = node.In(0);
  if (x.is_constant()) {
    Constant c = *x.constant;
    c.shape = shape;
    node.importer().BindConstant(node.Out(0), std::move(c));
    return;
  }
  if (shape == x.shape) {
    node.importer().PassThrough(node.proto().input(0), node.Out(0));
    return;
  }
  NetLayer l;
  l.name = LayerName(node);
  l.inputs = {x.tensor};
  if (shape.size() == 2 && x.shape.size() >= 2 && shape[0] == x.shape[0]) {
    l.op = NetOp::kFlatten;
  } else {
    l.op = NetOp::kReshape;
    l.target_shape = shape;
  }
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void Add(const Node& node) {
  node.KnownAttributes({});
  if (node.In(0).is_constant() || node.In(1).is_constant()) {
    FoldAdd(node);  // constants fold; a tensor plus a scalar is an affine layer, plus a
                    // constant tensor an add (or sub) with a constant layer
    return;
  }
  const Value& a = node.Activation(0, "A");
  const Value& b = node.Activation(1, "B");
  if (a.shape != b.shape) {
    throw NodeError("adds " + Dims(a.shape) + " and " + Dims(b.shape) +
                    "; Quasar's add sums two tensors of one shape (no broadcasting)");
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kAdd;
  l.inputs = {a.tensor, b.tensor};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void Flatten(const Node& node) {
  node.KnownAttributes({"axis"});
  const Shape& x = node.In(0).shape;
  const int64_t axis = node.Int("axis", 1);
  if (axis < -static_cast<int64_t>(x.size()) || axis > static_cast<int64_t>(x.size())) {
    throw NodeError("axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(x.size()));
  }
  const auto split = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis);
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    (i < split ? outer : inner) *= x[i];
  }
  View(node, {outer, inner});
}

// Reshape's `shape` input: 0 copies the input's dimension (unless allowzero), -1 is inferred.
void Reshape(const Node& node) {
  node.KnownAttributes({"allowzero"});
  const Shape& x = node.In(0).shape;
  const Constant& target = node.ConstantIn(1, "the shape");
  if (!target.integer) {
    throw NodeError("the shape must be int64");
  }
  Shape shape = target.ints;
  const bool allow_zero = node.Int("allowzero", 0) != 0;
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) {
      if (i >= x.size()) {
        throw NodeError("shape entry " + std::to_string(i) + " copies a dimension the input " +
                        Dims(x) + " does not have");
      }
      shape[i] = x[i];
    }
    if (shape[i] == -1) {
      if (unknown >= 0) {
        throw NodeError("the shape " + Dims(target.ints) + " has more than one -1");
      }
      unknown = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw NodeError("the shape " + Dims(target.ints) + " has a negative entry");
    } else {
      if (shape[i] > 0 && known > std::numeric_limits<int64_t>::max() / shape[i]) {
        throw NodeError("the shape " + Dims(target.ints) + " has more elements than int64 counts");
      }
      known *= shape[i];
    }
  }
  const int64_t total = NumElements(x);
  if (unknown >= 0 && known > 0 && total % known == 0) {
    shape[static_cast<size_t>(unknown)] = total / known;
  }
  if (NumElements(shape) != total || (unknown >= 0 && known == 0)) {
    throw NodeError("cannot reshape " + Dims(x) + " to " + Dims(target.ints));
  }
  View(node, shape);
}

// The axes of Squeeze / Unsqueeze: an attribute before opset 13, an input from it.
std::vector<int64_t> AxesOf(const Node& node) {
  if (node.importer().opset() < 13) {
    return node.Ints("axes");
  }
  if (!node.Has(1)) {
    return {};
  }
  const Constant& c = node.ConstantIn(1, "the axes");
  if (!c.integer) {
    throw NodeError("the axes must be int64");
  }
  return c.ints;
}

void Squeeze(const Node& node) {
  node.KnownAttributes({"axes"});
  const Shape& x = node.In(0).shape;
  std::vector<int64_t> axes = AxesOf(node);
  std::vector<bool> drop(x.size(), false);
  if (axes.empty()) {
    for (size_t i = 0; i < x.size(); ++i) {
      drop[i] = x[i] == 1;
    }
  }
  for (int64_t a : axes) {
    const auto i = static_cast<size_t>(Axis(a, x.size(), "axis"));
    if (x[i] != 1) {
      throw NodeError("axis " + std::to_string(a) + " of " + Dims(x) + " is not 1");
    }
    drop[i] = true;
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!drop[i]) {
      out.push_back(x[i]);
    }
  }
  View(node, out);
}

void Unsqueeze(const Node& node) {
  node.KnownAttributes({"axes"});
  const Shape& x = node.In(0).shape;
  std::vector<int64_t> axes = AxesOf(node);
  const size_t rank = x.size() + axes.size();
  std::vector<bool> insert(rank, false);
  for (int64_t a : axes) {
    const auto i = static_cast<size_t>(Axis(a, rank, "axis"));
    if (insert[i]) {
      throw NodeError("axis " + std::to_string(a) + " is given twice");
    }
    insert[i] = true;
  }
  Shape out;
  size_t from = 0;
  for (size_t i = 0; i < rank; ++i) {
    out.push_back(insert[i] ? 1 : x[from++]);
  }
  View(node, out);
}

// A constant with its axes permuted: out[i_0, ..., i_r] = c[...] with out axis a = c axis perm[a].
Constant Permuted(const Constant& c, const std::vector<int64_t>& perm) {
  const size_t rank = c.shape.size();
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (perm.size() != rank || p < 0 || p >= static_cast<int64_t>(rank) ||
        seen[static_cast<size_t>(p)]) {
      throw NodeError("perm " + Dims(perm) + " is not a permutation of " + std::to_string(rank) +
                      " axes");
    }
    seen[static_cast<size_t>(p)] = true;
  }
  Constant out = c;
  if (out.quant) {  // a weight's quantization axis moves with it
    out.quant_axis = std::find(perm.begin(), perm.end(), c.quant_axis) - perm.begin();
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) {
    in_strides[i - 1] = in_strides[i] * c.shape[i];
  }
  for (size_t a = 0; a < rank; ++a) {
    out.shape[a] = c.shape[static_cast<size_t>(perm[a])];
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < c.size(); ++o) {
    int64_t from = 0;
    for (size_t a = 0; a < rank; ++a) {
      from += index[a] * in_strides[static_cast<size_t>(perm[a])];
    }
    if (c.integer) {
      out.ints[static_cast<size_t>(o)] = c.ints[static_cast<size_t>(from)];
    } else {
      out.floats[static_cast<size_t>(o)] = c.floats[static_cast<size_t>(from)];
    }
    for (size_t a = rank; a-- > 0;) {  // the next output index, row-major
      if (++index[a] < out.shape[a]) {
        break;
      }
      index[a] = 0;
    }
  }
  return out;
}

void Transpose(const Node& node) {
  node.KnownAttributes({"perm"});
  std::vector<int64_t> perm = node.Ints("perm");
  if (perm.empty()) {  // default: the axes reversed
    for (size_t i = node.In(0).shape.size(); i-- > 0;) {
      perm.push_back(static_cast<int64_t>(i));
    }
  }
  if (node.In(0).is_constant()) {
    node.importer().BindConstant(node.Out(0), Permuted(*node.In(0).constant, perm));
    return;
  }
  const Value& x = node.In(0);
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kTranspose;
  l.inputs = {x.tensor};
  l.perm = perm;
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void Identity(const Node& node) {
  node.KnownAttributes({});
  node.In(0);
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

// Dropout at inference passes its input through (opset 12: `ratio` and `training_mode` inputs;
// before it, `ratio` and `is_test` attributes).
void Dropout(const Node& node) {
  node.KnownAttributes({"ratio", "is_test", "seed"});
  if (node.Has(2)) {
    const Constant& training = node.ConstantIn(2, "training_mode");
    if (!training.integer || training.size() != 1 || training.ints[0] != 0) {
      throw NodeError("training_mode must be a constant false (inference only)");
    }
  }
  if (node.proto().output_size() > 1 && !node.proto().output(1).empty()) {
    throw NodeError("the mask output is not supported");
  }
  node.In(0);
  node.importer().PassThrough(node.proto().input(0), node.Out(0));
}

}  // namespace

// Pad (opset 2: `pads`, `mode`, `value` attributes; from 11 pads and constant_value as inputs,
// from 18 an `axes` input naming the dimensions the pads are for): a pad layer. Wrap mode and
// negative pads (crops) are refused.
void Pad(const Node& node) {
  const Value& x = node.Activation(0, "data");
  const size_t rank = x.shape.size();
  std::vector<int64_t> pads;
  double value = 0;
  if (node.importer().opset() >= 11) {
    node.KnownAttributes({"mode"});
    const Constant& p = node.ConstantIn(1, "pads");
    if (!p.integer) {
      throw NodeError("pads must be integers");
    }
    pads = p.ints;
    if (node.Has(2)) {
      const Constant& v = node.ConstantIn(2, "constant_value");
      if (v.size() != 1) {
        throw NodeError("constant_value must be one value");
      }
      value = v.integer ? static_cast<double>(v.ints[0]) : v.floats[0];
    }
    if (node.Has(3)) {  // pads for these axes only: every axis's before, then every after
      const std::vector<int64_t>& axes = node.ConstantIn(3, "axes").ints;
      if (pads.size() != 2 * axes.size()) {
        throw NodeError("pads holds " + std::to_string(pads.size()) + " counts for " +
                        std::to_string(axes.size()) + " axes");
      }
      std::vector<int64_t> full(2 * rank, 0);
      for (size_t k = 0; k < axes.size(); ++k) {
        const auto a = static_cast<size_t>(Axis(axes[k], rank));
        full[a] = pads[k];
        full[rank + a] = pads[axes.size() + k];
      }
      pads = full;
    }
  } else {
    node.KnownAttributes({"mode", "pads", "value"});
    pads = node.Ints("pads");
    value = node.Float("value", 0.0f);
  }
  const std::string mode = node.String("mode", "constant");
  const auto parsed = ParsePadMode(mode);
  if (!parsed) {
    throw NodeError("mode '" + mode + "' is not supported (" + PadModeChoices() + ")");
  }
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) {
    throw NodeError("has negative pads (a crop); Quasar pads only");
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kPad;
  l.inputs = {x.tensor};
  l.pads = pads;
  l.pad_mode = *parsed;
  l.pad_value = value;
  node.importer().AddLayer(std::move(l), node.Out(0));
}

std::vector<Converter> TensorConverters() {
  return {{"Add", 7, Add},           {"Flatten", 1, Flatten},     {"Reshape", 5, Reshape},
          {"Squeeze", 1, Squeeze},   {"Unsqueeze", 1, Unsqueeze}, {"Transpose", 1, Transpose},
          {"Identity", 1, Identity}, {"Dropout", 7, Dropout},       {"Pad", 2, Pad}};
}

}  // namespace quasar::models::onnx_import
