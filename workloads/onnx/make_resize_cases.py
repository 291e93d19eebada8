#!/usr/bin/python3
"""Expected outputs of Resize over every mode Quasar takes, from ONNX's own reference
(interpolate_nd of onnx/backend/test/case/node/resize.py, which makes ONNX's node tests), on a
seeded random input [1, 2, 5, 7] with scales or sizes that are not integers and not symmetric.

tests/onnx_import/test_onnx_resize.cc runs the same cases, in the same order (CASES below), and
compares every element. Writes tests/data/onnx/resize_cases.x.npy (the input) and
resize_cases.expected.npy (every case's output, flattened and concatenated).

    /usr/bin/python3 workloads/onnx/make_resize_cases.py [OUT_DIR]
"""
import os
import sys

import numpy as np
from onnx.backend.test.case.node.resize import interpolate_nd, linear_coeffs, nearest_coeffs

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "onnx")

COORDS = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
ROUNDINGS = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
SCALES = [1.6, 0.75]   # H 5 -> 8, W 7 -> 5
SIZES = [3, 11]
LINEAR_SCALES = [2.3, 0.6]  # H 5 -> 11, W 7 -> 4
LINEAR_SIZES = [1, 13]      # one output row: pytorch_half_pixel's special case

# (mode, coordinate_transformation_mode, nearest_mode, scales or None, sizes or None)
CASES = []
for c in COORDS:
    for r in ROUNDINGS:
        CASES.append(("nearest", c, r, SCALES, None))
for c in COORDS:
    CASES.append(("nearest", c, "round_prefer_floor", None, SIZES))
for c in COORDS:
    CASES.append(("linear", c, "", LINEAR_SCALES, None))
    CASES.append(("linear", c, "", None, LINEAR_SIZES))


def run(x, mode, coords, rounding, scales, sizes):
    coeffs = linear_coeffs if mode == "linear" else (lambda r: nearest_coeffs(r, mode=rounding))
    if scales is not None:
        s = np.array([1, 1] + scales, dtype=np.float32)
        return interpolate_nd(x, coeffs, scale_factors=s,
                              coordinate_transformation_mode=coords).astype(np.float32)
    return interpolate_nd(x, coeffs, output_size=np.array([1, 2] + sizes, dtype=np.int64),
                          coordinate_transformation_mode=coords).astype(np.float32)


if __name__ == "__main__":
    x = np.random.default_rng(7).standard_normal((1, 2, 5, 7)).astype(np.float32)
    outs = [run(x, *case).ravel() for case in CASES]
    np.save(os.path.join(OUT, "resize_cases.x.npy"), x)
    np.save(os.path.join(OUT, "resize_cases.expected.npy"), np.concatenate(outs))
    print(len(CASES), "cases,", sum(o.size for o in outs), "elements")
