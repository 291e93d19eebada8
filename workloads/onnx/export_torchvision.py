#!/usr/bin/python3
"""Exports torchvision classification models to ONNX, with random weights (fine for cost), and
PyTorch's own MACs (Conv2d and Linear, padding taps included) and parameter counts with batch
normalization folded, for Quasar's whole-model table (docs/onnx-import.md) and the import
benchmark (bench/onnx_import.sh); and, per model, its input and PyTorch's float output
(NAME.input.npy, NAME.output.npy) for the float comparison of tests/onnx_import. A Linear layer
that torchvision initializes to zero (ViT's head) gets random weights, so that the output is not
identically zero. The models are large: they are generated here, never committed.

    /usr/bin/python3 workloads/onnx/export_torchvision.py OUT_DIR [MODEL ...]
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torchvision

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0",
          "squeezenet1_1", "shufflenet_v2_x1_0", "regnet_y_400mf", "vit_b_16"]


def counts(model, x):
    """MACs of the Conv2d and Linear layers and of multi-head attention (its input and output
    projections, Q K^T and the weighted sum of V, which PyTorch computes without calling its
    out_proj module), and the parameters they keep once each batch norm is folded into the
    convolution before it (one bias per output channel)."""
    macs = 0
    convs_with_bn = set()
    mods = list(model.modules())
    for a, b in zip(mods, mods[1:]):
        if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
            convs_with_bn.add(id(a))

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += out.numel() * m.in_features
        elif isinstance(m, nn.MultiheadAttention):
            q = out[0]  # the attention output has the query's shape: [T, B, D], or [B, T, D]
            # with batch_first (the hook sees no keyword arguments, so not the query itself)
            t, d = q.shape[1 if m.batch_first else 0], m.embed_dim
            rows = q.numel() // d
            macs += rows * d * 3 * d + rows * d * d + 2 * (rows // t) * t * t * d

    params = 0
    for m in mods:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
            params += m.weight.numel()
            if m.bias is not None or id(m) in convs_with_bn:
                params += m.out_channels if isinstance(m, nn.Conv2d) else m.out_features
        elif isinstance(m, nn.MultiheadAttention):  # its out_proj is a Linear, counted above
            m.register_forward_hook(hook)
            params += m.in_proj_weight.numel() + m.in_proj_bias.numel()
    with torch.no_grad():
        model(x)
    return macs, params


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or MODELS
    os.makedirs(out, exist_ok=True)
    figures = {}
    for name in names:
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None).eval()
        for m in model.modules():
            if isinstance(m, nn.Linear) and not m.weight.any():
                nn.init.normal_(m.weight, std=0.02)
        x = torch.randn(1, 3, 224, 224)
        path = os.path.join(out, name + ".onnx")
        t = time.time()
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                          opset_version=13)
        macs, params = counts(model, x)
        with torch.no_grad():
            y = model(x)
        np.save(os.path.join(out, name + ".input.npy"), x.numpy())
        np.save(os.path.join(out, name + ".output.npy"), y.numpy())
        figures[name] = {"macs": macs, "params": params, "bytes": os.path.getsize(path)}
        print(f"{name}: {macs} MACs, {params} params, {os.path.getsize(path)} bytes, "
              f"export {time.time() - t:.1f} s", flush=True)
    with open(os.path.join(out, "pytorch_counts.json"), "w") as f:
        json.dump(figures, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
