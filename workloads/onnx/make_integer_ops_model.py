#!/usr/bin/python3
"""Writes tests/data/onnx/integer_ops.onnx, a model with ONNX's ConvInteger and MatMulInteger
(onnx/docs/Operators.md) behind a QuantizeLinear with a constant scale, and their expected int32
outputs, computed here with numpy from the ops' definitions:

  ConvInteger(x, w, x_zero_point, w_zero_point):   y = conv(x - x_zero_point, w - w_zero_point)
  MatMulInteger(A, B, a_zero_point, b_zero_point): y = (A - a_zero_point) @ (B - b_zero_point)

in int32, no requantization; w_zero_point may be one per output channel (axis 0 of w) and
b_zero_point one per column of B. QuantizeLinear: y = saturate(round_half_even(x / y_scale) +
y_zero_point), x / y_scale in float32.

  input [1, 2, 5, 5] float -> QuantizeLinear uint8 (scale 0.05, zero point 120) = xq
  xq -> ConvInteger (w int8 [4, 2, 3, 3], pads 1, stride 2, w_zero_point int8 per channel)
     -> Cast(float) -> Mul by x_scale * w_scale (0.05 * 0.01 in float32): output 0 ("output")
  xq -> MatMulInteger (B uint8 [5, 3], b_zero_point uint8 per column) -> Cast: output 1 ("mm")
  xq -> MatMulInteger (xq, xq: [1, 2, 5, 5] @ [1, 2, 5, 5], both zero points 120) -> Cast:
     output 2 ("mm2")

ONNX Runtime's dynamic quantization writes the same ops behind DynamicQuantizeLinear, whose scale
is computed at run time; here the scale is a constant, so the integers are fixed.

    /usr/bin/python3 workloads/onnx/make_integer_ops_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")
rng = np.random.default_rng(11)
f32 = np.float32

x = (rng.standard_normal((1, 2, 5, 5)) * 3.0).astype(f32)
s_x, z_x = f32(0.05), 120
w = rng.integers(-128, 128, size=(4, 2, 3, 3)).astype(np.int8)
z_w = np.array([0, 3, -5, 17], np.int8)
c = f32(s_x * f32(0.01))                     # x_scale * w_scale, as the dequantizing Mul's
b = rng.integers(0, 256, size=(5, 3)).astype(np.uint8)
z_b = np.array([128, 0, 77], np.uint8)

inits = []


def init(name, a):
    inits.append(numpy_helper.from_array(np.asarray(a), name))


init("s_x", s_x)
init("z_x", np.uint8(z_x))
init("w", w)
init("z_w", z_w)
init("c", c)
init("b", b)
init("z_b", z_b)
nodes = [
    helper.make_node("QuantizeLinear", ["input", "s_x", "z_x"], ["xq"], name="quant"),
    helper.make_node("ConvInteger", ["xq", "w", "z_x", "z_w"], ["acc"], name="conv",
                     pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Cast", ["acc"], ["acc_f"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Mul", ["acc_f", "c"], ["output"], name="dequant"),
    helper.make_node("MatMulInteger", ["xq", "b", "z_x", "z_b"], ["mm_acc"], name="mm"),
    helper.make_node("Cast", ["mm_acc"], ["mm"], name="mm_cast", to=TensorProto.FLOAT),
    helper.make_node("MatMulInteger", ["xq", "xq", "z_x", "z_x"], ["mm2_acc"], name="mm2"),
    helper.make_node("Cast", ["mm2_acc"], ["mm2"], name="mm2_cast", to=TensorProto.FLOAT),
]
graph = helper.make_graph(
    nodes, "integer_ops",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 5, 5])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4, 3, 3]),
     helper.make_tensor_value_info("mm", TensorProto.FLOAT, [1, 2, 5, 3]),
     helper.make_tensor_value_info("mm2", TensorProto.FLOAT, [1, 2, 5, 5])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="quasar make_integer_ops_model.py")
onnx.checker.check_model(model)

# QuantizeLinear: float32 division, round half to even, saturate to uint8.
xq = np.clip(np.round(x / s_x).astype(np.int64) + z_x, 0, 255)
xs = xq - z_x

# ConvInteger with pads 1 and stride 2, the zero-point-subtracted input padded with 0 (the
# padding value is x_zero_point before the subtraction).
xp = np.pad(xs, ((0, 0), (0, 0), (1, 1), (1, 1)))
ws = w.astype(np.int64) - z_w.astype(np.int64)[:, None, None, None]
conv = np.zeros((1, 4, 3, 3), np.int64)
for o in range(4):
    for i in range(3):
        for j in range(3):
            conv[0, o, i, j] = np.sum(xp[0, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * ws[o])
mm = xs @ (b.astype(np.int64) - z_b.astype(np.int64))
mm2 = xs @ xs
for a in (conv, mm, mm2):
    assert np.all(np.abs(a) < 2 ** 31)

os.makedirs(OUT, exist_ok=True)
onnx.save(model, os.path.join(OUT, "integer_ops.onnx"))
np.save(os.path.join(OUT, "integer_ops.input.npy"), x)
np.save(os.path.join(OUT, "integer_ops.conv_int.npy"), conv.astype(np.int32))
np.save(os.path.join(OUT, "integer_ops.mm_int.npy"), mm.astype(np.int32))
np.save(os.path.join(OUT, "integer_ops.mm2_int.npy"), mm2.astype(np.int32))
print("integer_ops: conv", conv.min(), "..", conv.max(), "; mm", mm.min(), "..", mm.max(),
      "; mm2", mm2.min(), "..", mm2.max(), "; x saturated", int(np.sum((xq == 0) | (xq == 255))))
