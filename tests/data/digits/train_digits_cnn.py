#!/usr/bin/python3
"""Trains the small CNN of digits_cnn.yaml on the train split of scikit-learn's 8x8 digits
(rows 0-1436 of digits.csv.gz, as workloads/datasets/digits.yaml splits them; pixels / 16) and
writes its float weights as .npy beside this file, with PyTorch's top-1 on the test split
(torch_top1.npy). Seeded: a rerun writes the same weights on the
same machine. Needs /usr/bin/python3 with python3-torch and python3-sklearn; Quasar's tests only
read the committed .npy files.

    /usr/bin/python3 tests/data/digits/train_digits_cnn.py
"""
import gzip
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rows = np.loadtxt(gzip.open(CSV, "rt"), delimiter=",", dtype=np.float32)
    x = torch.from_numpy(rows[:, :64].reshape(-1, 1, 8, 8) / 16.0)
    y = torch.from_numpy(rows[:, 64].astype(np.int64))
    xtr, ytr, xte, yte = x[:1437], y[:1437], x[1437:], y[1437:]
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for epoch in range(40):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
    with torch.no_grad():
        pred = net(xte).argmax(1)
    print(f"test top-1 {(pred == yte).float().mean().item():.4f} on {len(xte)} images")
    np.save(os.path.join(HERE, "torch_top1.npy"), pred.numpy().astype(np.int8))
    for name, layer in (("c1", net[0]), ("c2", net[3]), ("fc", net[6])):
        np.save(os.path.join(HERE, f"{name}.weights.npy"), layer.weight.detach().numpy())
        np.save(os.path.join(HERE, f"{name}.bias.npy"), layer.bias.detach().numpy())


if __name__ == "__main__":
    main()
