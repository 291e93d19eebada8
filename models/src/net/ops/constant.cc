// constant: a tensor stored with the model (a class token, a position embedding, a norm's
// scale and shift), read by later layers like any activation. It reads no tensor; its value is
// the float array of `value_file` (loaded by the parser into NetLayer::weights_data, or set by
// an importer). Quantized as an activation, calibrated on its own value; its integer form is
// RunDequantized with no inputs, the value quantized to the tensor's parameters. It costs
// nothing itself (a view): it sits in DRAM with the weights, and the layers that read it pay
// for reading it there, as for any input tensor.

#include "quasar/models/net/ops.h"

namespace quasar::models {
namespace {

bool ConstantShape(NetLayer* l, const std::vector<const Shape*>&, const LayerErrors& e,
                   Shape* out, int128*) {
  if (!l->weights_data) {
    e.Add("value_file", "a constant needs its value");
    return false;
  }
  *out = l->weights_data->shape;
  return true;
}

FloatTensor ConstantValue(const NetLayer& l, const std::vector<const FloatTensor*>&,
                          const FloatLayerParams*) {
  return *l.weights_data;
}

}  // namespace

std::vector<OpDef> ConstantOps() {
  OpDef d = DequantizedPostOp(
      NetOp::kConstant, "constant", {"value_file"},
      [](const NetLayer&, const NetworkSpec&) { return PostEvents{}; }, ConstantShape,
      ConstantValue, kNoInputs);
  d.lowering = OpLowering::kView;
  return {d};
}

}  // namespace quasar::models
