#!/usr/bin/python3
"""Writes tests/data/onnx/qlinear_matmul2.onnx, a QLinearMatMul of two computed tensors (as in
attention's Q K^T and attention-times-V products), and its expected integer output, computed
here with numpy from ONNX's definition (onnx/docs/Operators.md, QLinearMatMul: each input
dequantized as (x - zero_point) * scale, multiplied as numpy.matmul, quantized with y_scale and
y_zero_point, rounding half to even and saturating), in the order of ONNX's reference
implementation (onnx/reference/ops/op_qlinear_matmul.py: D = C * (a_scale * b_scale / y_scale);
D += y_zero_point; round), which Quasar's `onnx` rounding mode follows:

  y = saturate(round_half_even(sum_k (a - a_zp)(b - b_zp) * a_scale b_scale / y_scale + y_zp))

(An odd zero point added after rounding would differ on exact ties; this input has some.)

Every scale is a power of two, so the multiplier is exact and the formula has one rounding
whichever way a runtime evaluates it.

  input [1, 4, 6] float -> QuantizeLinear uint8 (scale 2^-4, zero point 128) = x
  a = QLinearMatMul(x, Wa [6, 4] int8) -> uint8 (scale 2^-3, zero point 120)   [1, 4, 4]
  b = QLinearMatMul(x, Wb [6, 5] int8) -> int8 (scale 2^-3, zero point -5)     [1, 4, 5]
  y = QLinearMatMul(a, b) -> int8 (scale 2^-1, zero point 3)                    [1, 4, 5]
  -> DequantizeLinear -> output

    /usr/bin/python3 workloads/onnx/make_qlinear_matmul2_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")
rng = np.random.default_rng(3)
f32 = np.float32

x = (rng.standard_normal((1, 4, 6)) * 2.5).astype(f32)
s_x, z_x = 2.0 ** -4, 128
wa = rng.integers(-40, 41, size=(6, 4)).astype(np.int8)
wb = rng.integers(-40, 41, size=(6, 5)).astype(np.int8)
s_w = 2.0 ** -6
s_a, z_a = 2.0 ** -3, 120
s_b, z_b = 2.0 ** -3, -5
s_y, z_y = 2.0 ** -1, 3

inits = []


def init(name, v):
    inits.append(numpy_helper.from_array(np.asarray(v), name))


for name, v in [("s_x", f32(s_x)), ("z_x", np.uint8(z_x)), ("wa", wa), ("wb", wb),
                ("s_w", f32(s_w)), ("z_w", np.int8(0)), ("s_a", f32(s_a)), ("z_a", np.uint8(z_a)),
                ("s_b", f32(s_b)), ("z_b", np.int8(z_b)), ("s_y", f32(s_y)), ("z_y", np.int8(z_y))]:
    init(name, v)
nodes = [
    helper.make_node("QuantizeLinear", ["input", "s_x", "z_x"], ["x"], name="quant"),
    helper.make_node("QLinearMatMul", ["x", "s_x", "z_x", "wa", "s_w", "z_w", "s_a", "z_a"], ["a"],
                     name="a"),
    helper.make_node("QLinearMatMul", ["x", "s_x", "z_x", "wb", "s_w", "z_w", "s_b", "z_b"], ["b"],
                     name="b"),
    helper.make_node("QLinearMatMul", ["a", "s_a", "z_a", "b", "s_b", "z_b", "s_y", "z_y"], ["y"],
                     name="ab"),
    helper.make_node("DequantizeLinear", ["y", "s_y", "z_y"], ["output"], name="dequant"),
]
graph = helper.make_graph(nodes, "qlinear_matmul2",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4, 6])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4, 5])],
                          inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="quasar make_qlinear_matmul2_model.py")
onnx.checker.check_model(model)


def qlinear_matmul(a, za, sa, b, zb, sb, sy, zy, lo, hi):
    acc = np.matmul(a.astype(np.int64) - za, b.astype(np.int64) - zb)
    return np.clip(np.round(acc * (sa * sb / sy) + zy), lo, hi).astype(np.int64)


xq = np.clip(np.round(x.astype(np.float64) / s_x) + z_x, 0, 255).astype(np.int64)
a = qlinear_matmul(xq, z_x, s_x, wa, 0, s_w, s_a, z_a, 0, 255)
b = qlinear_matmul(xq, z_x, s_x, wb, 0, s_w, s_b, z_b, -128, 127)
y = qlinear_matmul(a, z_a, s_a, b, z_b, s_b, s_y, z_y, -128, 127).astype(np.int32)

os.makedirs(OUT, exist_ok=True)
onnx.save(model, os.path.join(OUT, "qlinear_matmul2.onnx"))
np.save(os.path.join(OUT, "qlinear_matmul2.input.npy"), x)
np.save(os.path.join(OUT, "qlinear_matmul2.output_int.npy"), y)
print("a saturated", int(np.sum((a == 0) | (a == 255))), "b", int(np.sum((b == -128) | (b == 127))),
      "y", int(np.sum((y == -128) | (y == 127))), "of", y.size, "; y", y.ravel().tolist())
