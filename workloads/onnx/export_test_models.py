#!/usr/bin/python3
"""Exports the small ONNX models Quasar's import tests read (tests/data/onnx/), with PyTorch's
own figures for each: a seeded input, PyTorch's float output on it, and the MACs and parameter
counts of the network with batch normalization folded (torch.nn.utils.fusion), which is what
the importer builds.

Needs Debian's python3-torch, python3-onnx and python3-numpy; Quasar needs none of them to build
or test (the outputs are committed, each well under 1 MB).

    /usr/bin/python3 workloads/onnx/export_test_models.py [OUT_DIR]
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
import torch.fx.experimental.optimization  # noqa: F401 (fuse)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")


class TinyCnn(nn.Module):
    """Conv+BN+ReLU, max pool, depthwise Conv+BN+ReLU6, a residual Add+ReLU, global average
    pool, flatten, Linear: the ops of ResNet and MobileNet."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 8, 1)
        self.bn3 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        y = F.relu6(self.bn2(self.dw(x)))
        y = self.bn3(self.pw(y))
        x = F.relu(x + y)
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class ViewCnn(nn.Module):
    """Grouped and dilated convolutions, average pooling with padding, x.view(x.size(0), -1)
    (shape arithmetic: Shape, Gather, Unsqueeze, Concat, Reshape), a bias-free Linear and a
    MatMul by a constant."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 8, 3, stride=2, padding=(1, 2), groups=2)
        self.conv2 = nn.Conv2d(8, 6, 3, dilation=2, padding=2)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.fc = nn.Linear(6 * 3 * 4, 12, bias=False)
        self.proj = nn.Parameter(torch.randn(12, 5) * 0.3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(self.conv2(x))
        x = x.view(x.size(0), -1)
        return torch.matmul(self.fc(x), self.proj)


class GateCnn(nn.Module):
    """The post unit's ops as MobileNetV3, EfficientNet, SqueezeNet and RegNet export them:
    hardswish (HardSigmoid then Mul at opset 13), a squeeze-and-excitation gate (ReduceMean,
    Sigmoid, a broadcast Mul), a ReLU after a pool, Concat of two branches, Tanh, LeakyReLU,
    a ceil-mode max pool, and Sub and Div of computed tensors."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.left = nn.Conv2d(8, 6, 1)
        self.right = nn.Conv2d(8, 6, 3, padding=1)
        self.se_down = nn.Conv2d(12, 4, 1)
        self.se_up = nn.Conv2d(4, 12, 1)
        self.fc = nn.Linear(12, 7)

    def forward(self, x):
        x = F.hardswish(self.bn1(self.conv1(x)))
        x = F.relu(self.pool(x))
        x = torch.cat([torch.tanh(self.left(x)), F.leaky_relu(self.right(x), 0.2)], dim=1)
        s = x.mean([2, 3], keepdim=True)
        s = torch.sigmoid(self.se_up(F.relu(self.se_down(s))))
        x = x * s
        x = (x - torch.sigmoid(x)) / (1.5 + torch.sigmoid(x) * 0 + 1.0)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def counts(model, x):
    """MACs (padding taps included, as Quasar counts them) and parameters of `model` with its
    batch norms folded into the convolutions before them."""
    fused = torch.fx.symbolic_trace(model)
    fused = torch.fx.experimental.optimization.fuse(fused)
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += out.numel() * m.in_features

    for m in fused.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
    with torch.no_grad():
        out = fused(x)
    params = sum(p.numel() for p in fused.parameters())
    # torch.matmul by a Parameter is a fully connected layer without bias in Quasar.
    return macs + (out.numel() * model.proj.shape[0] if hasattr(model, "proj") else 0), params


def export(name, model, shape, dynamic=False):
    torch.manual_seed(0)
    for m in model.modules():  # non-trivial batch-norm statistics, as after training
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    x = torch.from_numpy(np.random.default_rng(7).standard_normal(shape).astype(np.float32))
    path = os.path.join(OUT, name + ".onnx")
    # TrainingMode.PRESERVE keeps BatchNormalization nodes (EVAL would fold them in the
    # exporter) and no constant folding keeps the shape arithmetic: the importer folds both.
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                      opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(OUT, name + ".input.npy"), x.numpy())
    np.save(os.path.join(OUT, name + ".output.npy"), y.numpy())
    macs, params = counts(model, x)
    return {"macs": macs, "params": params, "input_shape": list(shape)}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    figures = {
        "tiny_cnn": export("tiny_cnn", TinyCnn(), (1, 3, 16, 16)),
        "view_cnn": export("view_cnn", ViewCnn(), (2, 4, 11, 13)),
    }
    torch.manual_seed(0)
    figures["tiny_cnn_dynamic"] = export("tiny_cnn_dynamic", TinyCnn(), (1, 3, 16, 16), dynamic=True)
    torch.manual_seed(0)
    figures["gate_cnn"] = export("gate_cnn", GateCnn(), (2, 3, 15, 15))
    torch.manual_seed(0)
    # With a symbolic batch, x.view(x.size(0), -1) exports as Shape, Gather, Unsqueeze, Concat.
    figures["view_cnn_dynamic"] = export("view_cnn_dynamic", ViewCnn(), (2, 4, 11, 13), dynamic=True)
    with open(os.path.join(OUT, "pytorch_counts.json"), "w") as f:
        json.dump(figures, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(figures, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
