#!/usr/bin/python3
"""Exports a small fake-quantized PyTorch CNN as a QONNX model, the way a QAT recipe exports
below 8 bits: a torch.autograd.Function whose forward is QONNX's Quant (round half to even of
clamp(x / scale + zeropt)) and whose `symbolic` emits qonnx.custom_op.general::Quant (torch 1.13
exports fake-quant only at 8-bit ranges). Writes tests/data/onnx/qonnx_torch.onnx, a seeded
input, and PyTorch's fake-quantized float output on it.

    /usr/bin/python3 workloads/onnx/export_qonnx_torch.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")


class QuantFn(torch.autograd.Function):
    """QONNX Quant (docs/qonnx-custom-ops/intquant_v1.md) with a straight-through gradient."""

    @staticmethod
    def forward(ctx, x, scale, bits, signed, narrow):
        lo = -(2 ** (bits - 1)) + narrow if signed else 0
        hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - narrow
        return torch.round(torch.clamp(x / scale, lo, hi)) * scale  # torch.round: half to even

    @staticmethod
    def backward(ctx, g):
        return g, None, None, None, None

    @staticmethod
    def symbolic(g, x, scale, bits, signed, narrow):
        s = g.op("Constant", value_t=torch.tensor(scale, dtype=torch.float32))
        z = g.op("Constant", value_t=torch.tensor(0.0, dtype=torch.float32))
        b = g.op("Constant", value_t=torch.tensor(float(bits), dtype=torch.float32))
        return g.op("qonnx.custom_op.general::Quant", x, s, z, b, signed_i=int(signed),
                    narrow_i=int(narrow), rounding_mode_s="ROUND")


def q(x, scale, bits, signed=True, narrow=0):
    return QuantFn.apply(x, scale, bits, signed, narrow)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1, stride=2, bias=False)
        self.fc = nn.Linear(8 * 4 * 4, 10, bias=False)

    def forward(self, x):
        x = q(x, 1 / 32, 8)  # 8-bit input
        x = F.conv2d(x, q(self.conv1.weight, 1 / 64, 8, narrow=1), padding=1)
        x = q(F.relu(x), 1 / 16, 4, signed=False)  # 4-bit activations
        x = F.conv2d(x, q(self.conv2.weight, 1 / 16, 4, narrow=1), stride=2, padding=1)
        x = q(F.relu(x), 1 / 16, 4, signed=False)
        x = torch.flatten(x, 1)
        return q(F.linear(x, q(self.fc.weight, 1 / 32, 8, narrow=1)), 1 / 64, 8)  # 8-bit last


def main():
    torch.manual_seed(3)
    net = Net().eval()
    x = torch.from_numpy(np.random.default_rng(9).standard_normal((2, 1, 8, 8)).astype(np.float32))
    with torch.no_grad():
        y = net(x)
    path = os.path.join(OUT, "qonnx_torch.onnx")
    torch.onnx.export(net, x, path, input_names=["input"], output_names=["output"],
                      opset_version=13, custom_opsets={"qonnx.custom_op.general": 1})
    np.save(os.path.join(OUT, "qonnx_torch.input.npy"), x.numpy())
    np.save(os.path.join(OUT, "qonnx_torch.output.npy"), y.numpy())
    print("qonnx_torch: output (in steps of 1/64)", (y.numpy() * 64).round().astype(int).tolist())


if __name__ == "__main__":
    main()
