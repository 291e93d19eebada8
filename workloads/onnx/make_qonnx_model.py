#!/usr/bin/python3
"""Writes tests/data/onnx/qonnx_cnn.onnx, a small QONNX model (qonnx.custom_op.general Quant and
BipolarQuant, as Brevitas exports them: 8-bit input and first-layer weights, 4-bit narrow
per-channel weights, unsigned and signed 4-bit activations, binary weights in the classifier,
an 8-bit output), with the integer weights the quantizers give and the expected integer output
of its integer pipeline, computed here with numpy by ONNX's QLinearConv/QLinearMatMul
arithmetic (docs/quantization.md, the `onnx` mode): the bias round_half_even(f32(b / (s_x s_w))),
the multiplier f32(f32(s_x s_w) / s_y), the output round_half_even(float64(acc) M + z_y)
saturated. The Quant semantics are QONNX's (docs/qonnx-custom-ops/intquant_v1.md).

    /usr/bin/python3 workloads/onnx/make_qonnx_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")
QONNX = "qonnx.custom_op.general"
rng = np.random.default_rng(5)
f32 = np.float32

x = (rng.standard_normal((1, 2, 6, 6)) * 1.2).astype(f32)
w1 = (rng.standard_normal((4, 2, 3, 3)) * 0.3).astype(f32)
b1 = (rng.standard_normal(4) * 0.2).astype(f32)
w2 = (rng.standard_normal((4, 4, 3, 3)) * 0.2).astype(f32)
w3 = rng.standard_normal((3, 144)).astype(f32)
s_in, s_w1, s_a1, s_a2, s_w3, s_out = f32(1 / 16), f32(0.02), f32(0.25), f32(0.5), f32(0.05), f32(0.125)
s_w2 = np.array([0.04, 0.05, 0.03, 0.06], f32).reshape(4, 1, 1, 1)


def int_quant(v, s, z, bits, signed, narrow):
    lo = -(2 ** (bits - 1)) + (1 if narrow else 0) if signed else 0
    hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - (1 if narrow else 0)
    return np.round(np.clip((v / s).astype(f32) + f32(z), lo, hi)).astype(np.int64)


nodes, inits = [], []


def init(name, a):
    inits.append(numpy_helper.from_array(np.asarray(a), name))


def quant(src, dst, s, bits, signed, narrow=0):
    init(dst + "_s", np.asarray(s, f32))
    init(dst + "_z", np.asarray(0, f32))
    init(dst + "_b", np.asarray(bits, f32))
    nodes.append(helper.make_node("Quant", [src, dst + "_s", dst + "_z", dst + "_b"], [dst],
                                  domain=QONNX, name=dst + "_quant", signed=signed, narrow=narrow,
                                  rounding_mode="ROUND"))


init("w1", w1)
init("b1", b1)
init("w2", w2)
init("w3", w3)
quant("input", "x0", s_in, 8, 1)
quant("w1", "w1q", s_w1, 8, 1, 1)
nodes.append(helper.make_node("Conv", ["x0", "w1q", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
nodes.append(helper.make_node("Relu", ["c1"], ["r1"], name="relu1"))
quant("r1", "a1", s_a1, 4, 0)
quant("w2", "w2q", s_w2, 4, 1, 1)
nodes.append(helper.make_node("Conv", ["a1", "w2q"], ["c2"], name="conv2", pads=[1, 1, 1, 1]))
quant("c2", "a2", s_a2, 4, 1)
nodes.append(helper.make_node("Flatten", ["a2"], ["f"], name="flatten"))
init("w3_s", np.asarray(s_w3, f32))
nodes.append(helper.make_node("BipolarQuant", ["w3", "w3_s"], ["w3q"], domain=QONNX,
                              name="w3_bipolar"))
nodes.append(helper.make_node("Gemm", ["f", "w3q"], ["g"], name="fc", transB=1))
quant("g", "output", s_out, 8, 1)
graph = helper.make_graph(nodes, "qonnx_cnn",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 6, 6])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 3])],
                          inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                helper.make_opsetid(QONNX, 1)],
                          producer_name="quasar make_qonnx_model.py")


def conv(xq, wq):
    xp = np.pad(xq, ((0, 0), (0, 0), (1, 1), (1, 1)))
    o = wq.shape[0]
    acc = np.zeros((1, o, 6, 6), np.int64)
    for oc in range(o):
        for i in range(6):
            for j in range(6):
                acc[0, oc, i, j] = np.sum(xp[0, :, i:i + 3, j:j + 3] * wq[oc])
    return acc


def requant(acc, m, lo, hi):
    return np.clip(np.round(acc.astype(np.float64) * np.asarray(m, np.float64)), lo, hi).astype(np.int64)


xq = int_quant(x, s_in, 0, 8, 1, 0)
w1q = int_quant(w1, s_w1, 0, 8, 1, 1)
b1q = np.round((b1 / f32(s_in * s_w1)).astype(f32)).astype(np.int64)
a1 = requant(conv(xq, w1q) + b1q.reshape(1, 4, 1, 1), f32(f32(s_in * s_w1) / s_a1), 0, 15)
w2q = int_quant(w2, s_w2, 0, 4, 1, 1)
m2 = (f32(s_a1) * s_w2.reshape(1, 4, 1, 1)).astype(f32) / s_a2
a2 = requant(conv(a1, w2q), m2.astype(f32), -8, 7)
w3q = np.where(w3 >= 0, 1, -1).astype(np.int64)
y = requant(a2.reshape(1, -1) @ w3q.T, f32(f32(s_a2 * s_w3) / s_out), -128, 127).astype(np.int32)

os.makedirs(OUT, exist_ok=True)
onnx.save(model, os.path.join(OUT, "qonnx_cnn.onnx"))
np.save(os.path.join(OUT, "qonnx_cnn.input.npy"), x)
np.save(os.path.join(OUT, "qonnx_cnn.output_int.npy"), y)
np.save(os.path.join(OUT, "qonnx_cnn.w2.npy"), w2q.astype(np.int32))
print("qonnx_cnn: output", y.tolist())
