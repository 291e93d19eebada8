#!/usr/bin/python3
"""Exports the small decoder with transposed convolutions that
tests/onnx_import/test_onnx_conv_transpose.cc and tests/cli/cli_onnx_test.sh read
(tests/data/onnx/convtranspose_cnn.onnx), with a seeded input and PyTorch's float output on it,
and an integer case for the golden kernel computed independently here with numpy.

The network: a convolution, then torch.nn.ConvTranspose2d three ways (stride 2 with padding 1
and output_padding 1; grouped, groups 2; dilation 2 with asymmetric output_padding), as decoders
upsample. ConvTranspose semantics: onnx/docs/Operators.md, ConvTranspose.

The integer case (convtranspose_int.*.npy): int8 x [1, 4, 3, 4] with zero point 3, int8 weights
[C_out 6, C_in/groups 2, 3, 2] with per-output-channel zero points, int32 bias, groups 2, stride
(2, 3), dilation (1, 2), pads (1, 0, 2, 1) (top, left, bottom, right), output_padding (1, 2); the
expected int64 accumulators come from numpy in scatter form: every input pixel times the whole
kernel added into the (uncropped) output, then cropped by the pads.

    /usr/bin/python3 workloads/onnx/export_conv_transpose_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.up1 = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(4, 6, 3, stride=1, padding=1, groups=2)
        self.up3 = nn.ConvTranspose2d(6, 3, 2, stride=(2, 3), dilation=2, output_padding=(1, 0),
                                      bias=False)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.up1(x))
        x = torch.relu(self.up2(x))
        return self.up3(x)


def export():
    torch.manual_seed(0)
    model = Decoder()
    for p in model.parameters():
        nn.init.uniform_(p, -0.5, 0.5)
    model.eval()
    x = torch.randn(1, 2, 4, 5, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, "convtranspose_cnn.onnx")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"],
                      output_names=["output"])
    np.save(os.path.join(OUT, "convtranspose_cnn.input.npy"), x.numpy())
    np.save(os.path.join(OUT, "convtranspose_cnn.output.npy"), y.numpy())
    print("convtranspose_cnn", os.path.getsize(path), "bytes, output", tuple(y.shape))


def integer_case():
    rng = np.random.default_rng(7)
    groups, c_in, c_out, kh, kw = 2, 4, 6, 3, 2
    sh, sw, dh, dw = 2, 3, 1, 2
    top, left, bottom, right = 1, 0, 2, 1
    oph, opw = 1, 2
    x = rng.integers(-128, 128, size=(1, c_in, 3, 4)).astype(np.int8)
    w = rng.integers(-127, 128, size=(c_out, c_in // groups, kh, kw)).astype(np.int8)
    bias = rng.integers(-5000, 5000, size=(c_out,)).astype(np.int32)
    zx = 3
    zw = rng.integers(-4, 5, size=(c_out,)).astype(np.int32)
    n, _, h, wd = x.shape
    full_h = (h - 1) * sh + (kh - 1) * dh + 1 + oph
    full_w = (wd - 1) * sw + (kw - 1) * dw + 1 + opw
    full = np.zeros((n, c_out, full_h, full_w), dtype=np.int64)
    cin_g, cout_g = c_in // groups, c_out // groups
    xs = x.astype(np.int64) - zx
    ws = w.astype(np.int64) - zw.reshape(-1, 1, 1, 1)
    for c in range(c_in):
        g, ic = divmod(c, cin_g)
        for oc in range(g * cout_g, (g + 1) * cout_g):
            for ky in range(kh):
                for kx in range(kw):
                    oy, ox = ky * dh, kx * dw
                    full[0, oc, oy:oy + (h - 1) * sh + 1:sh, ox:ox + (wd - 1) * sw + 1:sw] += \
                        xs[0, c] * ws[oc, ic, ky, kx]
    acc = full[:, :, top:full_h - bottom, left:full_w - right] + bias.reshape(1, -1, 1, 1)
    prefix = os.path.join(OUT, "convtranspose_int.")
    np.save(prefix + "x.npy", x)
    np.save(prefix + "w.npy", w)
    np.save(prefix + "bias.npy", bias)
    np.save(prefix + "zw.npy", zw)
    np.save(prefix + "acc.npy", acc)
    print("convtranspose_int acc", acc.shape)


if __name__ == "__main__":
    export()
    integer_case()
