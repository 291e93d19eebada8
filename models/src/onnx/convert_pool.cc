// Pooling: MaxPool, AveragePool and GlobalAveragePool become Quasar's max_pool, avg_pool and
// global_avg_pool (2-D, floor rounding). Semantics: onnx/docs/Operators.md (MaxPool: padding
// never wins; AveragePool: count_include_pad, default 0).

#include "importer.h"

namespace quasar::models::onnx_import {
namespace {

void Pool(const Node& node, NetOp op) {
  const Value& x = node.Activation(0, "the input");
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar pools 2-D, over " +
                    "[N, C, H, W]");
  }
  if (node.Int("ceil_mode", 0) != 0) {
    throw NodeError("ceil_mode = 1 is not supported (Quasar's windows round the output down)");
  }
  const auto [kh, kw] = KernelShape(node, nullptr);
  NetLayer l;
  l.name = node.proto().name().empty() ? node.proto().op_type() : node.proto().name();
  l.op = op;
  l.inputs = {x.tensor};
  l.kernel_h = kh;
  l.kernel_w = kw;
  l.geometry = WindowGeometry(node, x.shape, kh, kw);
  if (l.geometry.dilation_h != 1 || l.geometry.dilation_w != 1) {
    throw NodeError("dilated pooling windows are not supported");
  }
  l.count_include_pad = node.Int("count_include_pad", 0) != 0;
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
  node.KnownAttributes(
      {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads",
       "strides"});
  Pool(node, NetOp::kAvgPool);
}

void GlobalAveragePool(const Node& node) {
  node.KnownAttributes({});
  const Value& x = node.Activation(0, "the input");
  if (x.shape.size() != 4) {
    throw NodeError("the input has shape " + Dims(x.shape) + "; Quasar pools [N, C, H, W]");
  }
  NetLayer l;
  l.name = node.proto().name().empty() ? node.proto().op_type() : node.proto().name();
  l.op = NetOp::kGlobalAvgPool;
  l.inputs = {x.tensor};
  node.importer().AddLayer(std::move(l), node.Out(0));
}

}  // namespace

std::vector<Converter> PoolConverters() {
  return {{"MaxPool", 8, MaxPool},
          {"AveragePool", 7, AveragePool},
          {"GlobalAveragePool", 1, GlobalAveragePool}};
}

}  // namespace quasar::models::onnx_import
