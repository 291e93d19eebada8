#!/usr/bin/python3
"""Prints workloads/models/results.json (written by train.py) as the Markdown table of
workloads/models/README.md.

    /usr/bin/python3 workloads/train/results_table.py [workloads/models/results.json]
    /usr/bin/python3 workloads/train/results_table.py --fill DIR [results.json]

--fill first stores Quasar's integer top-1 and its agreement with torch_top1.npy in each model's
entry, from the `quasar infer --data fashion-mnist --expect-top1 ... --format json` reports in
DIR (<model>.json, as `QUASAR_JSON_DIR=DIR bench/accuracy_table.sh` writes them), counting only
reports of the whole test set (10,000 images).
"""
import json
import os
import sys

ORDER = ["float", "w8a8", "w4a4", "w2a2", "ternary", "binary"]
NETS = ["lenet5", "bnn", "resnet8"]


def fill(r, directory):
    for name in sorted(r):
        report = os.path.join(directory, name + ".json")
        if not os.path.exists(report):
            continue
        with open(report) as f:
            j = json.load(f)
        if j["accuracy"]["images"] != 10000:
            continue
        r[name]["quasar_data_images"] = j["accuracy"]["images"]
        r[name]["quasar_data_integer_top1"] = round(j["accuracy"]["integer_top1"], 6)
        r[name]["quasar_data_agrees_with_torch_top1"] = round(j["expected_top1_agreement"], 6)


def main():
    args = sys.argv[1:]
    fill_dir = None
    if args[:1] == ["--fill"]:
        fill_dir, args = args[1], args[2:]
    path = args[0] if args else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "models", "results.json")
    with open(path) as f:
        r = json.load(f)
    if fill_dir:
        fill(r, fill_dir)
        with open(path, "w") as f:
            json.dump(r, f, indent=1, sort_keys=True)
    print("| model | epochs | training s | float top-1 | model top-1 (PyTorch) | ONNX bytes | "
          "verify_onnx agreement | Quasar `--check` | Quasar `infer` SQNR (synthetic input) | "
          "Quasar integer top-1 | Quasar = torch_top1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    keys = sorted(r, key=lambda k: (NETS.index(r[k]["net"]), ORDER.index(r[k]["precision"])))
    for k in keys:
        e = r[k]
        infer = e.get("quasar_infer", "")
        sqnr = infer.split("SQNR ")[1].split(" dB")[0] + " dB" if "SQNR" in infer else infer
        agree = e.get("onnx_f64_agrees_with_torch_top1")
        qacc = e.get("quasar_data_integer_top1")
        qagree = e.get("quasar_data_agrees_with_torch_top1")
        print(f"| `{k}` | {e['epochs']:g} | {e['train_seconds']:.0f} | "
              f"{100 * e['float_test_top1']:.2f}% | {100 * e['test_top1']:.2f}% | "
              f"{e['onnx_bytes']:,} | "
              f"{'' if agree is None else f'{100 * agree:.2f}%'} | {e.get('quasar_check', '')} | "
              f"{sqnr} | {'' if qacc is None else f'{100 * qacc:.2f}%'} | "
              f"{'' if qagree is None else f'{100 * qagree:.2f}%'} |")


if __name__ == "__main__":
    main()
