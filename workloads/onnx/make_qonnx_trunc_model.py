#!/usr/bin/python3
"""Writes two small QONNX models with Trunc after average pooling, as FINN and Brevitas write a
truncated average pool (Quant, then AveragePool or GlobalAveragePool, then Trunc), and the
expected integer output of each, computed here with numpy from the QONNX custom-op
documentation's formulas (github.com/fastmachinelearning/qonnx, docs/qonnx-custom-ops/
intquant_v1.md, trunc_v1.md, trunc_v2.md):

  Quant:     q = round(clamp(x / scale + zeropt, min, max))            (round half to even)
  Trunc v1:  q = round(x / scale + zeropt); y = (R(q / 2^(in_bw - out_bw)) - zeropt) * scale
  Trunc v2:  q = round(x / scale + zeropt); T = 2^round(log2(out_scale / scale));
             y = (R(clamp(q / T, min, max)) - zeropt / T) * out_scale
  ONNX AveragePool / GlobalAveragePool: the mean of the window (onnx/docs/Operators.md).

qonnx_trunc_v1.onnx (QONNX opset 1): Quant int8 (scale 1/16) -> AveragePool 2x2 stride 2 ->
Trunc 8 -> 6 bits FLOOR -> GlobalAveragePool -> Trunc 6 -> 4 bits CEIL. The output integers are
R(q / T) of the last Trunc, its tensor's scale being the input's (v1).
The integers of the first Trunc are written too (qonnx_trunc_v1.t1_int.npy), and what it gives
with rounding_mode ROUND (qonnx_trunc_v1.t1_round_int.npy).
qonnx_trunc_v2.onnx (QONNX opset 2): Quant uint8 (scale 1/32) -> AveragePool 2x2 stride 2 ->
Trunc out_scale 8/32, 4 bits unsigned, CEIL (clamped to 0..15).

Scales are powers of two, so the float64 arithmetic here is exact.

    /usr/bin/python3 workloads/onnx/make_qonnx_trunc_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")
QONNX = "qonnx.custom_op.general"
rng = np.random.default_rng(11)
f32 = np.float32
# Eight channels of different means, so that the averages spread over the output range.
x = (rng.standard_normal((1, 8, 6, 6)) * 2.0 +
     np.linspace(-6.0, 7.0, 8).reshape(1, 8, 1, 1)).astype(f32)


def int_quant(v, s, bits, signed):
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    return np.round(np.clip(v.astype(np.float64) / s, lo, hi))


def avg_pool2(v):  # 2x2 window, stride 2
    n, c, h, w = v.shape
    return v.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def global_avg(v):
    return v.mean(axis=(2, 3), keepdims=True)


def trunc_v1(v, s, in_bw, out_bw, mode):
    q = np.round(v / s)
    return mode(q / 2.0 ** (in_bw - out_bw))  # integers; the value is that times s


def trunc_v2(v, s, out_s, out_bw, signed, mode):
    q = np.round(v / s)
    t = 2.0 ** np.round(np.log2(out_s / s))
    lo, hi = (-(2 ** (out_bw - 1)), 2 ** (out_bw - 1) - 1) if signed else (0, 2 ** out_bw - 1)
    return mode(np.clip(q / t, lo, hi))  # integers; the value is that times out_s


class Graph:
    def __init__(self):
        self.nodes, self.inits = [], []

    def init(self, name, a):
        self.inits.append(numpy_helper.from_array(np.asarray(a), name))

    def node(self, op, ins, out, **kw):
        self.nodes.append(helper.make_node(op, ins, [out], name=out, **kw))

    def save(self, name, out_shape, qonnx_opset):
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                        helper.make_opsetid(QONNX, qonnx_opset)],
                                  producer_name="quasar make_qonnx_trunc_model.py")
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(OUT, name + ".onnx"))


os.makedirs(OUT, exist_ok=True)

# Version 1.
s1 = 1 / 16
g = Graph()
g.init("s", np.asarray(s1, f32))
g.init("z", np.asarray(0, f32))
for b in (8, 6, 4):
    g.init("b%d" % b, np.asarray(b, f32))
g.node("Quant", ["input", "s", "z", "b8"], "x0", domain=QONNX, signed=1, narrow=0,
       rounding_mode="ROUND")
g.node("AveragePool", ["x0"], "pool", kernel_shape=[2, 2], strides=[2, 2])
g.node("Trunc", ["pool", "s", "z", "b8", "b6"], "t1", domain=QONNX, rounding_mode="FLOOR")
g.node("GlobalAveragePool", ["t1"], "gap")
g.node("Trunc", ["gap", "s", "z", "b6", "b4"], "output", domain=QONNX, rounding_mode="CEIL")
g.save("qonnx_trunc_v1", [1, 8, 1, 1], 1)
q0 = int_quant(x, s1, 8, True)
t1 = trunc_v1(avg_pool2(q0 * s1), s1, 8, 6, np.floor)
y1 = trunc_v1(global_avg(t1 * s1), s1, 6, 4, np.ceil).astype(np.int32)
np.save(os.path.join(OUT, "qonnx_trunc.input.npy"), x)
np.save(os.path.join(OUT, "qonnx_trunc_v1.output_int.npy"), y1)
np.save(os.path.join(OUT, "qonnx_trunc_v1.t1_int.npy"), t1.astype(np.int32))
# The first Trunc again with rounding_mode ROUND (the test edits the model): half to even.
t1_round = trunc_v1(avg_pool2(q0 * s1), s1, 8, 6, np.round)
np.save(os.path.join(OUT, "qonnx_trunc_v1.t1_round_int.npy"), t1_round.astype(np.int32))

# Version 2: an unsigned input (the Quant clamps the negative values to 0).
s2, so = 1 / 32, 8 / 32
g = Graph()
g.init("s", np.asarray(s2, f32))
g.init("so", np.asarray(so, f32))
g.init("z", np.asarray(0, f32))
g.init("b8", np.asarray(8, f32))
g.init("b4", np.asarray(4, f32))
g.node("Quant", ["input", "s", "z", "b8"], "x0", domain=QONNX, signed=0, narrow=0,
       rounding_mode="ROUND")
g.node("AveragePool", ["x0"], "pool", kernel_shape=[2, 2], strides=[2, 2])
g.node("Trunc", ["pool", "s", "z", "b8", "so", "b4"], "output", domain=QONNX,
       rounding_mode="CEIL", signed=0, narrow=0)
g.save("qonnx_trunc_v2", [1, 8, 3, 3], 2)
q0 = int_quant(x, s2, 8, False)
y2 = trunc_v2(avg_pool2(q0 * s2), s2, so, 4, False, np.ceil).astype(np.int32)
np.save(os.path.join(OUT, "qonnx_trunc_v2.output_int.npy"), y2)
print("qonnx_trunc_v1: output", y1.ravel().tolist())
print("qonnx_trunc_v2: output", y2.ravel().tolist())
# How many elements another rounding would change: the data must tell the modes apart.
print("v1 t1 ROUND: ties (to even)", int(np.sum(np.round(avg_pool2(q0 * s1) / s1) % 4 == 2)),
      "of", t1.size)
print("v1 t1 FLOOR vs ROUND differ on", int(np.sum(t1 != np.round(np.round(avg_pool2(
    int_quant(x, s1, 8, True) * s1) / s1) / 4))), "of", t1.size)
print("v2 CEIL vs ROUND differ on", int(np.sum(y2 != trunc_v2(avg_pool2(q0 * s2), s2, so, 4, False,
                                                           np.round))), "of", y2.size,
      "; clamped", int(np.sum(y2 == 15)))
