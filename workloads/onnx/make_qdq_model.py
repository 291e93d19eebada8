#!/usr/bin/python3
"""Writes tests/data/onnx/qdq_cnn.onnx, a small QDQ model (QuantizeLinear/DequantizeLinear
around every tensor, int8 weights per channel and per tensor, int32 biases, uint8 activations)
built with onnx.helper, qop_cnn.onnx, the same network in QOperator form (QLinearConv,
QLinearMatMul, whose classifier has no bias), qlinear_contrib.onnx, conv1 followed by ONNX
Runtime's com.microsoft QLinear ops, and the expected integer output of each one's
integer pipeline, computed here with numpy as ONNX's reference QLinearConv/QLinearMatMul compute (onnx/reference/ops/
op_qlinear_conv.py: the multiplier f32(f32(s_x s_w) / s_y), then round half to even of
float64(acc) * M + z_y, saturated; QuantizeLinear: round half to even of f32(x / s)).

    /usr/bin/python3 workloads/onnx/make_qdq_model.py [OUT_DIR]
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

s0, z0 = f32(0.03125), np.uint8(120)          # input
s1, z1 = f32(0.0625), np.uint8(0)             # conv1 + relu output
s2, z2 = f32(0.05), np.uint8(131)             # depthwise conv output
s3, z3 = f32(0.1), np.uint8(125)              # fc output
w1 = rng.integers(-127, 128, (8, 3, 3, 3)).astype(np.int8)
sw1 = (rng.uniform(0.002, 0.01, 8)).astype(f32)
b1 = rng.integers(-3000, 3000, 8).astype(np.int32)
w2 = rng.integers(-127, 128, (8, 1, 3, 3)).astype(np.int8)
sw2 = f32(0.008)
w3 = rng.integers(-127, 128, (5, 72)).astype(np.int8)
sw3 = (rng.uniform(0.001, 0.004, 5)).astype(f32)
b3 = rng.integers(-2000, 2000, 5).astype(np.int32)
x = rng.standard_normal((1, 3, 6, 6)).astype(f32) * f32(1.5)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


nodes, inits = [], []


def q(src, dst, s, z):
    inits.extend([init(dst + "_s", np.array(s, f32)), init(dst + "_z", np.array(z))])
    nodes.append(helper.make_node("QuantizeLinear", [src, dst + "_s", dst + "_z"], [dst + "_q"],
                                  name=dst + "_Q"))
    nodes.append(helper.make_node("DequantizeLinear", [dst + "_q", dst + "_s", dst + "_z"], [dst],
                                  name=dst + "_DQ"))


def w(name, values, scale, axis=None):
    inits.extend([init(name + "_int", values), init(name + "_ws", scale),
                  init(name + "_wz", np.zeros(np.shape(scale), values.dtype))])
    attrs = {} if axis is None else {"axis": axis}
    nodes.append(helper.make_node("DequantizeLinear", [name + "_int", name + "_ws", name + "_wz"],
                                  [name], name=name + "_DQ", **attrs))


q("input", "x0", s0, z0)
w("w1", w1, sw1, 0)
w("b1", b1, (s0 * sw1).astype(f32), 0)
nodes.append(helper.make_node("Conv", ["x0", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
nodes.append(helper.make_node("Relu", ["c1"], ["r1"], name="relu1"))
q("r1", "x1", s1, z1)
w("w2", w2, np.array(sw2, f32))
nodes.append(helper.make_node("Conv", ["x1", "w2"], ["c2"], name="dw", group=8, pads=[1, 1, 1, 1],
                              strides=[2, 2]))
q("c2", "x2", s2, z2)
nodes.append(helper.make_node("Flatten", ["x2"], ["f"], name="flatten"))
w("w3", w3, sw3, 0)
w("b3", b3, (s2 * sw3).astype(f32), 0)
nodes.append(helper.make_node("Gemm", ["f", "w3", "b3"], ["g"], name="fc", transB=1))
q("g", "output", s3, z3)
graph = helper.make_graph(nodes, "qdq_cnn",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 6, 6])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 5])],
                          inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="quasar make_qdq_model.py")
onnx.checker.check_model(model)


# The integer pipeline.
def requant(acc, m, z, lo=0, hi=255):
    return np.clip(np.round(acc.astype(np.float64) * m.astype(np.float64) + float(z)), lo, hi)


def conv(xq, zx, wq, stride, groups):
    n, c, h, wd = xq.shape
    xp = np.pad(xq.astype(np.int64) - int(zx), ((0, 0), (0, 0), (1, 1), (1, 1)))
    o, cg, kh, kw = wq.shape
    ho, wo = (h + 2 - kh) // stride + 1, (wd + 2 - kw) // stride + 1
    acc = np.zeros((n, o, ho, wo), np.int64)
    for oc in range(o):
        g = oc // (o // groups)
        for i in range(ho):
            for j in range(wo):
                patch = xp[0, g * cg:(g + 1) * cg, i * stride:i * stride + kh, j * stride:j * stride + kw]
                acc[0, oc, i, j] = np.sum(patch * wq[oc].astype(np.int64))
    return acc


xq = np.clip(np.round((x / s0).astype(f32)) + int(z0), 0, 255).astype(np.int64)
acc1 = conv(xq, z0, w1, 1, 1) + b1.reshape(1, 8, 1, 1)
m1 = ((s0 * sw1).astype(f32) / s1).astype(f32).reshape(1, 8, 1, 1)
y1 = requant(acc1, m1, z1, lo=int(z1))  # ReLU: the clamp at the zero point
acc2 = conv(y1.astype(np.int64), z1, w2, 2, 8)
m2 = np.array(f32(s1 * sw2) / s2, f32)
y2 = requant(acc2, m2, z2)
flat = y2.reshape(1, -1).astype(np.int64) - int(z2)
acc3 = flat @ w3.astype(np.int64).T + b3
m3 = ((s2 * sw3).astype(f32) / s3).astype(f32)
y3 = requant(acc3, m3, z3).astype(np.int32)

# The same network as QOperator nodes: uint8 tensors between QLinearConv and QLinearMatMul; the
# ReLU is the saturation at conv1's output zero point 0.
qnodes, qinits = [], []


def qinit(name, a):
    qinits.append(numpy_helper.from_array(np.asarray(a), name))


for name, value in [("s0", np.array(s0, f32)), ("z0", np.array(z0)), ("w1", w1), ("sw1", sw1),
                    ("zw1", np.zeros(8, np.int8)), ("s1", np.array(s1, f32)), ("z1", np.array(z1)),
                    ("b1", b1), ("w2", w2), ("sw2", np.array(sw2, f32)), ("zw2", np.array(0, np.int8)),
                    ("s2", np.array(s2, f32)), ("z2", np.array(z2)), ("w3t", np.ascontiguousarray(w3.T)),
                    ("sw3", sw3), ("zw3", np.zeros(5, np.int8)), ("s3", np.array(s3, f32)),
                    ("z3", np.array(z3))]:
    qinit(name, value)
qnodes += [
    helper.make_node("QuantizeLinear", ["input", "s0", "z0"], ["xq"], name="quantize"),
    helper.make_node("QLinearConv", ["xq", "s0", "z0", "w1", "sw1", "zw1", "s1", "z1", "b1"], ["a1"],
                     name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("QLinearConv", ["a1", "s1", "z1", "w2", "sw2", "zw2", "s2", "z2"], ["a2"],
                     name="dw", group=8, pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("Flatten", ["a2"], ["f"], name="flatten"),
    helper.make_node("QLinearMatMul", ["f", "s2", "z2", "w3t", "sw3", "zw3", "s3", "z3"], ["yq"],
                     name="fc"),
    helper.make_node("DequantizeLinear", ["yq", "s3", "z3"], ["output"], name="dequantize"),
]
qgraph = helper.make_graph(qnodes, "qop_cnn",
                           [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 6, 6])],
                           [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 5])],
                           qinits)
qmodel = helper.make_model(qgraph, opset_imports=[helper.make_opsetid("", 13)],
                           producer_name="quasar make_qdq_model.py")
onnx.checker.check_model(qmodel)
y3_nobias = requant(flat @ w3.astype(np.int64).T, m3, z3).astype(np.int32)

# ONNX Runtime's com.microsoft QLinear ops after conv1 (onnxruntime docs/ContribOperators.md):
# each dequantizes its inputs, runs the float op in float32 and quantizes (round half to even).
ms = "com.microsoft"
ss, zs = f32(1 / 256), np.uint8(0)
sa, za = f32(0.08), np.uint8(3)
sl, zl = f32(0.07), np.uint8(10)
sc, zc = f32(0.09), np.uint8(5)
sm, zm = f32(0.2), np.uint8(2)
cnodes, cinits = [], []
for name, value in [("s0", np.array(s0, f32)), ("z0", np.array(z0)), ("w1", w1), ("sw1", sw1),
                    ("zw1", np.zeros(8, np.int8)), ("s1", np.array(s1, f32)), ("z1", np.array(z1)),
                    ("b1", b1), ("ss", np.array(ss, f32)), ("zs", np.array(zs)),
                    ("sa", np.array(sa, f32)), ("za", np.array(za)), ("sl", np.array(sl, f32)),
                    ("zl", np.array(zl)), ("sc", np.array(sc, f32)), ("zc", np.array(zc)),
                    ("sm", np.array(sm, f32)), ("zm", np.array(zm))]:
    cinits.append(numpy_helper.from_array(np.asarray(value), name))
cnodes += [
    helper.make_node("QuantizeLinear", ["input", "s0", "z0"], ["xq"], name="quantize"),
    helper.make_node("QLinearConv", ["xq", "s0", "z0", "w1", "sw1", "zw1", "s1", "z1", "b1"], ["a1"],
                     name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("QLinearSigmoid", ["a1", "s1", "z1", "ss", "zs"], ["sg"], name="sigmoid",
                     domain=ms),
    helper.make_node("QLinearAdd", ["a1", "s1", "z1", "sg", "ss", "zs", "sa", "za"], ["ad"],
                     name="add", domain=ms),
    helper.make_node("QLinearLeakyRelu", ["ad", "sa", "za", "sl", "zl"], ["lr"], name="leaky",
                     domain=ms, alpha=0.1),
    helper.make_node("QLinearConcat", ["sc", "zc", "lr", "sl", "zl", "a1", "s1", "z1"], ["cc"],
                     name="concat", domain=ms, axis=1),
    helper.make_node("QLinearMul", ["cc", "sc", "zc", "cc", "sc", "zc", "sm", "zm"], ["ml"],
                     name="mul", domain=ms),
    helper.make_node("DequantizeLinear", ["ml", "sm", "zm"], ["output"], name="dequantize"),
]
cgraph = helper.make_graph(cnodes, "qlinear_contrib",
                           [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 6, 6])],
                           [helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                                          [1, 16, 6, 6])],
                           cinits)
cmodel = helper.make_model(cgraph, opset_imports=[helper.make_opsetid("", 13),
                                                  helper.make_opsetid(ms, 1)],
                           producer_name="quasar make_qdq_model.py")


def deq(q, s, z):
    return (q.astype(np.int64) - int(z)).astype(f32) * f32(s)


def quant(v, s, z):
    return np.clip(np.round((v / f32(s)).astype(f32)) + int(z), 0, 255).astype(np.int64)


a1 = y1.astype(np.int64)
sg = quant(f32(1) / (f32(1) + np.exp(-deq(a1, s1, z1))), ss, zs)
ad = quant((deq(a1, s1, z1) + deq(sg, ss, zs)).astype(f32), sa, za)
dv = deq(ad, sa, za)
lr = quant(np.where(dv < 0, f32(0.1) * dv, dv).astype(f32), sl, zl)
cc = quant(np.concatenate([deq(lr, sl, zl), deq(a1, s1, z1)], axis=1), sc, zc)
ml = quant((deq(cc, sc, zc) * deq(cc, sc, zc)).astype(f32), sm, zm).astype(np.int32)

os.makedirs(OUT, exist_ok=True)
onnx.save(qmodel, os.path.join(OUT, "qop_cnn.onnx"))
onnx.save(cmodel, os.path.join(OUT, "qlinear_contrib.onnx"))
np.save(os.path.join(OUT, "qlinear_contrib.output_int.npy"), ml)
np.save(os.path.join(OUT, "qop_cnn.output_int.npy"), y3_nobias)
onnx.save(model, os.path.join(OUT, "qdq_cnn.onnx"))
np.save(os.path.join(OUT, "qdq_cnn.input.npy"), x)
np.save(os.path.join(OUT, "qdq_cnn.output_int.npy"), y3)
np.save(os.path.join(OUT, "qdq_cnn.w1.npy"), w1.astype(np.int32))
print("qdq_cnn: output", y3.tolist(), "qop_cnn: output", y3_nobias.tolist())
