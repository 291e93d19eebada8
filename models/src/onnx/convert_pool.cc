// Pooling: MaxPool, AveragePool, GlobalAveragePool and a spatial ReduceMean become Quasar's
// max_pool, avg_pool and global_avg_pool (2-D; ceil_mode as extra end padding). Semantics:
// onnx/docs/Operators.md (MaxPool: padding never wins; AveragePool: count_include_pad, default
// 0).

#include <algorithm>

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

// ceil_mode = 1 rounds the output extent up: out = ceil((in + pads - k) / s) + 1, dropping a
// last window that would start in the end padding (onnx/docs/Operators.md, MaxPool; the
// rule PyTorch's pooling shares). Quasar's windows round down, so the extra window becomes
// extra end padding: exact for max pooling (padding never wins) and for average pooling that
// divides by the in-bounds taps only; with count_include_pad the divisor of that window would
// differ, so it is refused.
void CeilToPadding(int64_t in, int64_t k, int64_t s, int64_t pad_begin, int64_t* pad_end,
                   bool count_include_pad) {
  const int64_t span = in + pad_begin + *pad_end - k;
  const int64_t floor_out = span / s + 1;
  int64_t ceil_out = (span + s - 1) / s + 1;
  if ((ceil_out - 1) * s >= in + pad_begin) {
    --ceil_out;  // that window would start in the end padding
  }
  if (ceil_out == floor_out) {
    return;
  }
  if (count_include_pad) {
    throw NodeError(
        "ceil_mode = 1 with count_include_pad = 1 is not supported (the last "
        "window's divisor)");
  }
  *pad_end += (ceil_out - 1) * s + k - (in + pad_begin + *pad_end);
}

void Pool(const Node& node, NetOp op) {
  const Value& x = node.Activation(0, "the input");
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar pools 2-D, over " +
                    "[N, C, H, W]");
  }
  const auto [kh, kw] = KernelShape(node, nullptr);
  NetLayer l;
  l.name = LayerName(node);
  l.op = op;
  l.inputs = {x.tensor};
  l.kernel_h = kh;
  l.kernel_w = kw;
  l.geometry = WindowGeometry(node, x.shape, kh, kw);
  if (l.geometry.dilation_h != 1 || l.geometry.dilation_w != 1) {
    throw NodeError("dilated pooling windows are not supported");
  }
  l.count_include_pad = node.Int("count_include_pad", 0) != 0;
  if (node.Int("ceil_mode", 0) != 0) {
    CeilToPadding(x.shape[2], kh, l.geometry.stride_h, l.geometry.pad_top, &l.geometry.pad_bottom,
                  l.count_include_pad);
    CeilToPadding(x.shape[3], kw, l.geometry.stride_w, l.geometry.pad_left, &l.geometry.pad_right,
                  l.count_include_pad);
  }
  node.importer().AddLayer(std::move(l), node.Out(0));
}

void MaxPool(const Node& node) {
  node.KnownAttributes(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  if (node.proto().output_size() > 1 && !node.proto().output(1).empty()) {
    throw NodeError("the Indices output is not supported");
  }
  Pool(node, NetOp::kMaxPool);
}

void AveragePool(const Node& node) {
  node.KnownAttributes({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape",
                        "pads", "strides"});
  Pool(node, NetOp::kAvgPool);
}

void GlobalAveragePool(const Node& node) {
  node.KnownAttributes({});
  const Value& x = node.Activation(0, "the input");
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar pools [N, C, H, W]");
  }
  NetLayer l;
  l.name = LayerName(node);
  l.op = NetOp::kGlobalAvgPool;
  l.inputs = {x.tensor};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

// Adds `reduce` for the node's output; with keepdims = 0, then `drop` (a flatten or reshape that
// removes the reduced axes) reading it.
void AddReduction(const Node& node, NetLayer reduce, NetLayer drop) {
  if (node.Int("keepdims", 1) != 0) {
    node.importer().AddLayer(std::move(reduce), node.Out(0));
    return;
  }
  const std::string kept = node.Out(0) + "#kept";  // not an ONNX name: '#' is Quasar's
  drop.name = reduce.name + "_" + NetOpName(drop.op);
  node.importer().AddLayer(std::move(reduce), kept);
  drop.inputs = {node.importer().Get(kept).tensor};
  node.importer().AddLayer(std::move(drop), node.Out(0));
}

// ReduceMean over the two spatial axes of [N, C, H, W] (x.mean([2, 3]) in PyTorch) is a global
// average pool, with keepdims = 0 then a flatten to [N, C]; over one axis it is reduce_mean,
// with keepdims = 0 then a reshape that drops the axis. Axes are an attribute before opset 18
// and an input from it.
void ReduceMean(const Node& node) {
  node.KnownAttributes({"axes", "keepdims", "noop_with_empty_axes"});
  const Value& x = node.Activation(0, "the input");
  std::vector<int64_t> axes = node.Ints("axes");
  if (node.importer().opset() >= 18 && node.Has(1)) {
    const Constant& c = node.ConstantIn(1, "the axes");
    axes = c.ints;
  }
  for (int64_t& a : axes) {
    a = a < 0 ? a + static_cast<int64_t>(x.shape.size()) : a;
  }
  std::sort(axes.begin(), axes.end());
  NetLayer reduce, drop;
  reduce.name = LayerName(node);
  reduce.inputs = {x.tensor};
  if (axes.size() == 1) {
    if (axes[0] < 0 || axes[0] >= static_cast<int64_t>(x.shape.size())) {
      throw NodeError("has axis " + std::to_string(axes[0]) + " for an input " + Dims(x.shape));
    }
    reduce.op = NetOp::kReduceMean;
    reduce.axis = axes[0];
    drop.op = NetOp::kReshape;
    drop.target_shape = x.shape;
    drop.target_shape.erase(drop.target_shape.begin() + axes[0]);
  } else if (x.shape.size() == 4 && axes == std::vector<int64_t>{2, 3}) {
    reduce.op = NetOp::kGlobalAvgPool;
    drop.op = NetOp::kFlatten;
  } else {
    throw NodeError(
        "ReduceMean over several axes other than the spatial two of [N, C, H, W] is "
        "not supported (input " +
        Dims(x.shape) + "; one axis, or H and W)");
  }
  AddReduction(node, std::move(reduce), std::move(drop));
}

}  // namespace

std::vector<Converter> PoolConverters() {
  return {{"MaxPool", 8, MaxPool},
          {"AveragePool", 7, AveragePool},
          {"GlobalAveragePool", 1, GlobalAveragePool},
          {"ReduceMean", 1, ReduceMean}};
}

}  // namespace quasar::models::onnx_import
