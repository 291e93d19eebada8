#!/usr/bin/python3
"""Runs an exported model's ONNX graph on the 10,000 Fashion-MNIST test images with a small
float64 interpreter (independent of the PyTorch modules that wrote it) and compares its top-1
with <model>.torch_top1.npy and its first 16 outputs with <model>.torch_logits_first16.npy.

A Conv or Gemm whose input and weights both come from a Quant/BipolarQuant (directly or through
MaxPool/Flatten) runs as an integer accelerator does: on the integer codes (exact in float64),
plus the bias as round(b / (s_x s_w)), times s_x s_w; weights are quantized in float32, as
QONNX's reference executes on float32 tensors. Everything else runs in float64. So this is close
to an integer pipeline (it differs from Quasar's only where a requantization falls within
~1e-7 of a rounding tie) and independent of the PyTorch code that wrote the model.

    /usr/bin/python3 workloads/train/verify_onnx.py workloads/models/lenet5_fmnist_w4a4.onnx ...

Ops: the ONNX operator definitions (github.com/onnx/onnx docs/Operators.md) for Conv, Gemm,
Relu, MaxPool, Flatten, Add, ReduceMean, BatchNormalization, Identity, Constant, and
QuantizeLinear / DequantizeLinear ([ONNX-Q], [ONNX-DQ]: the QDQ form of the 8-bit models,
qdq.py); QONNX Quant and BipolarQuant as in quant.py ([QONNX-Quant], [QONNX-Bip]).
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402
from quant import int_range  # noqa: E402


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(model, x):
    g = model.graph
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).astype(np.float64))
           for i in g.initializer}
    dtypes = {i.name: numpy_helper.to_array(i).dtype for i in g.initializer}
    env[g.input[0].name] = x
    codes = {}  # tensor name -> (integer codes, scale) for outputs of Quant / BipolarQuant
    consts = set(env) - {g.input[0].name}
    for n in g.node:
        a = attrs(n)
        i = [env[k] if k else None for k in n.input]
        op = n.op_type
        if op == "Constant":
            y = torch.from_numpy(numpy_helper.to_array(a["value"]).astype(np.float64))
        elif op == "Identity":
            y = i[0]
        elif op == "Quant":
            x0, s, z, b = i
            lo, hi = int_range(int(b), a.get("signed", 1), a.get("narrow", 0))
            if a.get("rounding_mode", b"ROUND") not in (b"ROUND", "ROUND"):
                raise ValueError("rounding mode")
            assert float(z) == 0.0
            if n.input[0] in consts:  # weights: in float32
                q = torch.round(torch.clamp(x0.float() / s.float(), lo, hi)).double()
            else:
                q = torch.round(torch.clamp(x0 / s, lo, hi))
            codes[n.output[0]] = (q, s)
            y = q * s
        elif op == "QuantizeLinear":  # [ONNX-Q]: saturate(round_half_even(x / s) + z)
            x0, s = i[0], i[1]
            z = i[2] if len(i) > 2 and i[2] is not None else torch.zeros(())
            lo, hi = (0, 255) if dtypes.get(n.input[2]) == np.uint8 else (-128, 127)
            assert float(z.abs().max()) == 0.0
            q = torch.clamp(torch.round(x0 / s), lo, hi)
            codes[n.output[0]] = (q, s)
            y = q
        elif op == "DequantizeLinear":  # [ONNX-DQ]: (q - z) s, per tensor or along `axis`
            q, s = i[0], i[1]
            assert len(i) < 3 or i[2] is None or float(i[2].abs().max()) == 0.0
            if s.dim() == 1 and q.dim() > 1:
                axis = a.get("axis", 1)
                s = s.reshape([-1 if d == axis else 1 for d in range(q.dim())])
            if n.input[0] in consts:  # weights: integer codes
                codes[n.output[0]] = (q, s)
            elif n.input[0] in codes:
                codes[n.output[0]] = (codes[n.input[0]][0], s)
            y = q * s
        elif op == "BipolarQuant":
            q = torch.where(i[0] >= 0, 1.0, -1.0).double()
            codes[n.output[0]] = (q, i[1])
            y = q * i[1]
        elif op in ("Conv", "Gemm"):
            if op == "Conv":
                p = a.get("pads", [0, 0, 0, 0])
                assert p[0] == p[2] and p[1] == p[3] and a.get("group", 1) == 1

                def lin(u, w, bias):
                    return F.conv2d(u, w, bias, a.get("strides", [1, 1]), (p[0], p[1]))
            else:
                assert a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0

                def lin(u, w, bias):
                    w = w.t() if a.get("transB", 0) else w
                    return u @ w + (0 if bias is None else bias)
            bias = i[2] if len(i) > 2 else None
            if n.input[0] in codes and n.input[1] in codes:  # integer arithmetic
                (qx, sx), (qw, sw) = codes[n.input[0]], codes[n.input[1]]
                step = (sx * sw).reshape(-1)
                nb = None if bias is None else torch.round(bias / step)
                acc = lin(qx, qw, nb)
                y = acc * step.reshape((1, -1) + (1,) * (acc.dim() - 2))
            else:
                y = lin(i[0], i[1], bias)
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op == "Transpose":
            y = i[0].permute(*a["perm"])
        elif op == "Relu":
            y = F.relu(i[0])
        elif op == "MaxPool":
            assert a.get("pads", [0, 0, 0, 0]) == [0, 0, 0, 0]
            y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides"))
            if n.input[0] in codes:
                q, s = codes[n.input[0]]
                codes[n.output[0]] = (F.max_pool2d(q, a["kernel_shape"], a.get("strides")), s)
        elif op == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
            if n.input[0] in codes:
                q, s = codes[n.input[0]]
                codes[n.output[0]] = (torch.flatten(q, a.get("axis", 1)), s)
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "ReduceMean":
            y = i[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
        elif op == "BatchNormalization":
            sh = (1, -1, 1, 1)
            y = (i[0] - i[3].reshape(sh)) / torch.sqrt(i[4].reshape(sh) + a.get("epsilon", 1e-5))
            y = y * i[1].reshape(sh) + i[2].reshape(sh)
        else:
            raise ValueError(f"op {op} not in this interpreter")
        if op in ("Constant", "Identity") and (op == "Constant" or n.input[0] in consts):
            consts.add(n.output[0])
        env[n.output[0]] = y
    return env[g.output[0].name]


def verify(path, data):
    model = onnx.load(path)
    base = path[:-len(".onnx")]
    test_x = torch.as_tensor(np.asarray(data["test_x"]))
    test_y = np.asarray(data["test_y"])
    top1 = np.load(base + ".torch_top1.npy").astype(np.int64)
    logits16 = np.load(base + ".torch_logits_first16.npy")
    preds, first = [], None
    with torch.no_grad():
        for k in range(0, len(test_x), 1000):
            out = run_graph(model, test_x[k:k + 1000].double())
            if first is None:
                first = out[:16].numpy()
            preds.append(out.argmax(1).numpy())
    pred = np.concatenate(preds)
    agree = float((pred == top1).mean())
    acc = float((pred == test_y).mean())
    dmax = float(np.abs(first - logits16).max())
    print(f"{os.path.basename(path)}: integer-emulating ONNX run agrees with torch_top1 on {agree:.4%}, "
          f"its top-1 {acc:.4f}, first-16 logits max |diff| {dmax:.3g}", flush=True)
    return agree, acc, dmax


def main():
    torch.set_num_threads(2)
    data = fmnist.load()
    for p in sys.argv[1:]:
        verify(p, data)


if __name__ == "__main__":
    main()
