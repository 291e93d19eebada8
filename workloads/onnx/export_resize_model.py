#!/usr/bin/python3
"""Exports the small CNN with resizes that tests/onnx_import/test_onnx_resize.cc reads
(tests/data/onnx/resize_cnn*.onnx), with a seeded input and PyTorch's float output on it.

The network upsamples a feature map three ways, as decoders and feature pyramids do:
F.interpolate(scale_factor=2, mode="nearest"), bilinear with align_corners=False (ONNX's
half_pixel, or pytorch_half_pixel) and with align_corners=True (align_corners), then
downsamples with bilinear to an explicit size. Exported at opset 13 (Resize with scales or
sizes) and at opset 9 (Upsample, nearest only, which is all opset 9 can express exactly).

    /usr/bin/python3 workloads/onnx/export_resize_model.py [OUT_DIR]
"""
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")


class ResizeCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.conv3 = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        x = F.relu(self.conv1(x))                                        # 1x4x5x6
        a = F.interpolate(x, scale_factor=2, mode="nearest")               # 10x12
        b = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        c = F.interpolate(x, size=(10, 12), mode="bilinear", align_corners=True)
        y = F.relu(self.conv2(a + b)) + c
        y = F.interpolate(y, size=(7, 5), mode="bilinear", align_corners=False)
        return self.conv3(y)


class UpsampleCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.interpolate(x, scale_factor=(2, 3), mode="nearest")
        return self.conv2(x)


def export(model, name, opset):
    torch.manual_seed(0)
    for p in model.parameters():
        nn.init.uniform_(p, -0.5, 0.5)
    model.eval()
    x = torch.randn(1, 3, 5, 6, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["output"])
    np.save(os.path.join(OUT, name + ".input.npy"), x.numpy())
    np.save(os.path.join(OUT, name + ".output.npy"), y.numpy())
    print(name, os.path.getsize(path), "bytes, output", tuple(y.shape))


if __name__ == "__main__":
    export(ResizeCnn(), "resize_cnn", 13)
    export(UpsampleCnn(), "upsample_cnn", 9)
