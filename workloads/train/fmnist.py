"""Fashion-MNIST loading from the idx.gz files (no torchvision download).

File format: the IDX format of the MNIST distribution (LeCun, Cortes, Burges, "The MNIST database
of handwritten digits", yann.lecun.com/exdb/mnist/): a big-endian header (magic 0x00000803 for
uint8 images with 3 dimensions, 0x00000801 for uint8 labels), the dimension sizes as big-endian
uint32, then the raw uint8 data. Fashion-MNIST (Xiao, Rasul, Vollgraf, arXiv:1708.07747, 2017;
github.com/zalandoresearch/fashion-mnist) uses the same format and file names.

Normalization is fixed (Quasar's dataset file declares exactly this):
    x = (pixel / 255 - 0.2860) / 0.3530, NCHW float32, N x 1 x 28 x 28.
"""
import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
MEAN = 0.2860
STD = 0.3530
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")


def _read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        raise ValueError(f"{path}: magic {got:#010x}, expected {magic:#010x}")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} bytes of data, header says {dims}")
    return arr.reshape(dims)


def load_split(split, data_dir=DATA_DIR):
    """Returns (images uint8 [N,28,28], labels uint8 [N]) for split 'train' or 't10k'."""
    images = _read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), 0x00000803, 3)
    labels = _read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), 0x00000801, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def normalize(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], x = (p/255 - MEAN)/STD (computed in float32)."""
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x[:, None, :, :].astype(np.float32)


def load(data_dir=DATA_DIR):
    """Returns dict with 'train_x','train_y','test_x','test_y' (float32 NCHW, int64 labels)."""
    tr_i, tr_l = load_split("train", data_dir)
    te_i, te_l = load_split("t10k", data_dir)
    return {"train_x": normalize(tr_i), "train_y": tr_l.astype(np.int64),
            "test_x": normalize(te_i), "test_y": te_l.astype(np.int64)}


if __name__ == "__main__":
    d = load()
    for k, v in d.items():
        print(k, v.shape, v.dtype, float(v.min()), float(v.max()))
