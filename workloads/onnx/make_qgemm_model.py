#!/usr/bin/python3
"""Writes tests/data/onnx/qgemm.onnx, two chained com.microsoft QGemm nodes as ONNX Runtime's
quantizer writes them for Linear layers, and its expected integer output, computed here with
numpy from the op's definition (onnxruntime docs/ContribOperators.md, com.microsoft.QGemm):

  Y = alpha * A' B' + C, A' = A (transA = 0), B' = B or B^T (transB), each operand
  dequantized with its scale and zero point (b_scale, b_zero_point per tensor or per column of
  B'); C is int32 with scale alpha * a_scale * b_scale and zero point 0; the output is quantized
  with y_scale, y_zero_point: y = saturate(round_half_even(Y / y_scale) + y_zero_point).

In integers: y = saturate(rne((sum_k (a - a_zp)(b' - b_zp) + C) * alpha a_scale b_scale /
y_scale) + y_zp). Every scale and alpha is a power of two, so that multiplier is exact and the
formula has one rounding whichever way a runtime evaluates it; the script checks that no value
falls on a tie, where adding the odd zero point -3 before rounding (ONNX's reference QLinear
arithmetic, Quasar's `onnx` mode) or after (as written above) would differ.

  input [3, 16] float -> QuantizeLinear uint8 (scale 2^-4, zero point 128)
  -> QGemm 1: B [8, 16] int8 with transB = 1, b_scale per column, C int32 [8], alpha 0.5,
     y uint8 (scale 2^-3, zero point 100)
  -> QGemm 2: B [8, 5] int8, transB = 0, one b_scale, b_zero_point 0, no C, alpha 1,
     y int8 (scale 2^-2, zero point -3)
  -> DequantizeLinear -> output [3, 5]

    /usr/bin/python3 workloads/onnx/make_qgemm_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")
MS = "com.microsoft"
rng = np.random.default_rng(7)
f32 = np.float32

x = (rng.standard_normal((3, 16)) * 3.0).astype(f32)
s_a, z_a = f32(2.0 ** -4), 128
b1 = rng.integers(-127, 128, size=(8, 16)).astype(np.int8)        # [N, K], transB = 1
s_b1 = (2.0 ** -rng.integers(5, 9, size=8)).astype(f32)           # per column of B'
c1 = rng.integers(-3000, 3000, size=8).astype(np.int32)
alpha1 = 0.5
s_y1, z_y1 = f32(2.0 ** -3), 100
b2 = rng.integers(-127, 128, size=(8, 5)).astype(np.int8)         # [K, N], transB = 0
s_b2 = f32(2.0 ** -6)
s_y2, z_y2 = f32(2.0 ** -2), -3

inits = []


def init(name, a):
    inits.append(numpy_helper.from_array(np.asarray(a), name))


init("s_a", s_a)
init("z_a", np.uint8(z_a))
init("b1", b1)
init("s_b1", s_b1)
init("z_b1", np.zeros(8, np.int8))
init("c1", c1)
init("s_y1", s_y1)
init("z_y1", np.uint8(z_y1))
init("b2", b2)
init("s_b2", s_b2)
init("z_b2", np.int8(0))
init("s_y2", s_y2)
init("z_y2", np.int8(z_y2))
nodes = [
    helper.make_node("QuantizeLinear", ["input", "s_a", "z_a"], ["a"], name="quant"),
    helper.make_node("QGemm", ["a", "s_a", "z_a", "b1", "s_b1", "z_b1", "c1", "s_y1", "z_y1"],
                     ["y1"], name="fc1", domain=MS, alpha=alpha1, transA=0, transB=1),
    helper.make_node("QGemm", ["y1", "s_y1", "z_y1", "b2", "s_b2", "z_b2", "", "s_y2", "z_y2"],
                     ["y2"], name="fc2", domain=MS),
    helper.make_node("DequantizeLinear", ["y2", "s_y2", "z_y2"], ["output"], name="dequant"),
]
graph = helper.make_graph(nodes, "qgemm",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [3, 16])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [3, 5])],
                          inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                helper.make_opsetid(MS, 1)],
                          producer_name="quasar make_qgemm_model.py")


def qgemm(a, za, sa, bp, zb, sb, c, alpha, sy, zy, lo, hi):
    """The definition above in integers (bp = B', [K, N]); float64 is exact here."""
    acc = (a.astype(np.int64) - za) @ (bp.astype(np.int64) - zb) + c
    m = alpha * np.float64(sa) * np.asarray(sb, np.float64) / np.float64(sy)
    assert not np.any(np.abs(acc * m - np.floor(acc * m) - 0.5) == 0), "a tie"
    return np.clip(np.round(acc * m) + zy, lo, hi).astype(np.int64)


a = np.clip(np.round(x.astype(np.float64) / np.float64(s_a)) + z_a, 0, 255).astype(np.int64)
y1 = qgemm(a, z_a, s_a, b1.T, 0, s_b1, c1.astype(np.int64), alpha1, s_y1, z_y1, 0, 255)
y2 = qgemm(y1, z_y1, s_y1, b2, 0, s_b2, 0, 1.0, s_y2, z_y2, -128, 127).astype(np.int32)

os.makedirs(OUT, exist_ok=True)
onnx.save(model, os.path.join(OUT, "qgemm.onnx"))
np.save(os.path.join(OUT, "qgemm.input.npy"), x)
np.save(os.path.join(OUT, "qgemm.output_int.npy"), y2)
np.save(os.path.join(OUT, "qgemm.fc1_int.npy"), y1.astype(np.int32))
print("qgemm: fc1 saturated", int(np.sum((y1 == 0) | (y1 == 255))), "of", y1.size,
      "; output", y2.tolist())
