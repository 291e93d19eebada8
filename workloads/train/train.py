#!/usr/bin/python3
"""Trains LeNet-5, a BinaryNet-style CNN and ResNet-8 on Fashion-MNIST, float and QAT, and exports
ONNX models Quasar imports (workloads/models/README.md lists them).

    /usr/bin/python3 workloads/train/train.py --net lenet5 --precision w4a4 --out workloads/models
    /usr/bin/python3 workloads/train/train.py --all --out workloads/models

Needs Debian's /usr/bin/python3 (torch 1.13, numpy, onnx). The w8a8 models are written in the
ONNX QDQ form (QuantizeLinear / DequantizeLinear, qdq.py), the others as QONNX (--reeval and
--reexport read QONNX files only). A QAT run starts from the float checkpoint
<out>/ckpt/<net>_float.pt and trains it first when it is missing (deterministic, so the same).
Per model it writes <out>/<net>_fmnist_<precision>.onnx,
<model>.torch_top1.npy (uint8 [10000], predicted class of every test image by the PyTorch
eval-mode forward pass that the ONNX file encodes: fake-quantized for QAT models),
<model>.torch_logits_first16.npy (float32 [16, 10]) and an entry of <out>/results.json.

Recipe (quant.py cites the sources):
  * float: Adam (Kingma & Ba, ICLR 2015), lr 2e-3 with cosine decay (Loshchilov & Hutter,
    "SGDR", ICLR 2017) to 0, batch 128, no augmentation, no weight decay;
  * QAT: from the float checkpoint (batch norm folded into the convs), weight steps initialized by
    MSE calibration, activation steps by MSE calibration on 2048 training images (in forward
    order, with the quantizers before them active), then Adam lr 5e-4 (binary 1e-3) with
    cosine decay for the QAT epochs; the steps train as log(step) with LSQ's gradient;
  * binary: before calibration, each layer with a bipolar output has its weights and bias
    divided per output channel by the standard deviation of its pre-activation (on the
    calibration images, binary layers before it active); the sign is unchanged, and the
    pre-activations then fall within the STE window |x| <= 1 of [BNN]. In CENTER_BINARY nets
    the mean is subtracted first (the pre-activation is standardized, as a batch norm before
    the sign would at initialization).
Seeds are fixed (torch, numpy; the shuffling order is numpy's RandomState(seed + epoch)),
torch.use_deterministic_algorithms(True) and 2 threads, so a rerun gives the same models.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402
from models import NETS, fold_bn_into  # noqa: E402
from quant import PRECISIONS, QONNX_DOMAIN  # noqa: E402
from qdq import to_qdq  # noqa: E402
from verify_onnx import verify  # noqa: E402

# Epochs (chosen for a ~50 minute budget on a shared 2-core machine; see README).
FLOAT_EPOCHS = {"lenet5": 10, "bnn": 3, "resnet8": 2}
QAT_EPOCHS = {"lenet5": 3, "bnn": 1, "resnet8": 0.5,  # 0.5: half an epoch (30,000 images)
              ("resnet8", "binary"): 1}
ALL_PLAN = [("lenet5", PRECISIONS), ("bnn", PRECISIONS), ("resnet8", PRECISIONS)]
# Binary: also center each bipolar-output pre-activation (not only scale it) in these nets; in
# resnet8 the folded float biases, fitted to ReLU inputs, otherwise dominate the pre-activations
# of the block convs once their inputs are +-1 (every sign constant, 10% accuracy).
CENTER_BINARY = {"resnet8"}
# The quasar binary for the import check and infer summary: $QUASAR, else this tree's build.
QUASAR = os.environ.get("QUASAR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build", "cli", "quasar")
BATCH = 128
CALIB_IMAGES = 2048


def setup(seed, threads):
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)


def model_name(net, precision):
    return f"{net}_fmnist_{precision}"


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    preds, first16 = [], None
    for i in range(0, len(x), bs):
        out = model(x[i:i + bs])
        if first16 is None:
            first16 = out[:16].clone()
        preds.append(out.argmax(1))  # ties: the first maximal index
    pred = torch.cat(preds)
    return float((pred == y).float().mean()), pred, first16


def train_loop(model, data, epochs, lr, seed, log):
    x, y = data["train_x"], data["train_y"]
    n = len(x)
    steps = round(epochs * math.ceil(n / BATCH))  # a fractional epoch: its first steps
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps)))
    for ep in range(math.ceil(epochs)):
        model.train()
        t0 = time.time()
        perm = torch.from_numpy(np.random.RandomState(seed + ep).permutation(n))
        tot, correct, count = 0.0, 0, 0
        for i in range(0, n, BATCH):
            if sched.last_epoch >= steps:
                break
            idx = perm[i:i + BATCH]
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
            count += len(idx)
        acc, _, _ = evaluate(model, data["test_x"], data["test_y"])
        log(f"  epoch {ep + 1}/{epochs} ({count} images): loss {tot / count:.4f} train acc {correct / count:.4f} "
            f"test acc {acc:.4f} ({time.time() - t0:.1f} s)")


@torch.no_grad()
def prepare_qat(net, precision, float_model, data, log):
    """QAT model initialized from the float one (BN folded), steps calibrated."""
    m = NETS[net](precision)
    fold_bn_into(float_model, m)
    m.eval()
    cx = data["train_x"][:CALIB_IMAGES]
    for layer, _ in m.layers_with_inputs():
        layer.wq.init_from(layer.weight)
    int_acts = [a for a in m.act_quants() if a.kind == "int"]
    for a in int_acts:
        a.enabled = False
    if precision == "binary":
        for layer, aq in m.bipolar_layers():
            seen = {}
            h = aq.register_forward_pre_hook(lambda mod, inp: seen.setdefault("x", inp[0]))
            m(cx)
            h.remove()
            pre = seen["x"]
            dims = [0] + list(range(2, pre.dim()))
            std = pre.std(dim=dims).clamp_min(1e-6)
            shape = (-1,) + (1,) * (layer.weight.dim() - 1)
            if net in CENTER_BINARY:
                layer.bias.sub_(pre.mean(dim=dims))
            layer.weight.div_(std.reshape(shape))
            layer.bias.div_(std)
            layer.wq.init_from(layer.weight)
            log(f"  binary: pre-activation std of {type(layer).__name__} "
                f"{float(std.min()):.3g}..{float(std.max()):.3g} normalized to 1")
    for a in int_acts:
        a.calibrating = True
        m(cx)
        a.finish_calibration()
        a.enabled = True
    return m


def float_checkpoint(net, args, data, log, results):
    path = os.path.join(args.out, "ckpt", f"{net}_float.pt")
    model = NETS[net]("float")
    if os.path.exists(path) and not (args.retrain_float and net not in args._float_done):
        model.load_state_dict(torch.load(path))
        return model
    setup(args.seed, args.threads)
    model = NETS[net]("float")
    epochs = args.float_epochs or FLOAT_EPOCHS[net]
    log(f"{model_name(net, 'float')}: training {epochs} epochs")
    t0 = time.time()
    train_loop(model, data, epochs, 2e-3, args.seed, log)
    secs = time.time() - t0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(model.state_dict(), path)
    args._float_done.add(net)
    finish(net, "float", model, data, args, log, results, epochs, secs)
    return model


def finish(net, precision, model, data, args, log, results, epochs, secs, float_acc=None,
           frozen=False):
    """Freeze, evaluate on the test set, save predictions, export ONNX, check with Quasar."""
    name = model_name(net, precision)
    model.eval()
    if precision != "float" and not frozen:
        model.freeze()
    acc, pred, first16 = evaluate(model, data["test_x"], data["test_y"])
    np.save(os.path.join(args.out, f"{name}.torch_top1.npy"), pred.numpy().astype(np.uint8))
    np.save(os.path.join(args.out, f"{name}.torch_logits_first16.npy"),
            first16.numpy().astype(np.float32))
    path = os.path.join(args.out, f"{name}.onnx")
    dummy = data["test_x"][:1]
    with warnings.catch_warnings():  # tracer warnings about python floats in the quantizers
        warnings.simplefilter("ignore")
        torch.onnx.export(model, dummy, path, input_names=["input"], output_names=["output"],
                          opset_version=13, custom_opsets={QONNX_DOMAIN: 1},
                          do_constant_folding=True)
    if precision == "w8a8":  # 8-bit: the standard QDQ form (qdq.py), the same function
        import onnx
        onnx.save(to_qdq(onnx.load(path)), path)
    size = os.path.getsize(path)
    entry = {"net": net, "precision": precision, "epochs": epochs,
             "train_seconds": round(secs, 1), "test_top1": round(acc, 4),
             "float_test_top1": round(float_acc if float_acc is not None else acc, 4),
             "onnx_bytes": size,
             "command": f"/usr/bin/python3 workloads/train/train.py --net {net} "
                        f"--precision {precision} --out {args.out_rel}"}
    entry.update(check_onnx(path, precision))
    agree, acc64, dmax = verify(path, data)
    entry.update({"onnx_f64_agrees_with_torch_top1": round(agree, 5), "onnx_f64_top1": acc64,
                  "first16_max_abs_diff": dmax})
    log(f"{name}: test top-1 {acc:.4f}, {secs:.0f} s training, {size} bytes, "
        f"quasar check: {entry.get('quasar_check')}, infer: {entry.get('quasar_infer')}")
    results[name] = entry
    save_results(args, results)


def check_onnx(path, precision):
    import onnx
    m = onnx.load(path)
    ops = [n.op_type for n in m.graph.node]
    info = {"onnx_ops": sorted(set(ops))}
    if precision != "float" and "BatchNormalization" in ops:
        raise RuntimeError(f"{path}: a QAT graph with BatchNormalization")
    if os.path.getsize(path) >= 1 << 20:
        raise RuntimeError(f"{path}: larger than 1 MB")
    if os.path.exists(QUASAR):
        r = subprocess.run([QUASAR, "import-onnx", "--check", path], capture_output=True,
                           text=True)
        info["quasar_check"] = "ok" if r.returncode == 0 else f"exit {r.returncode}: " + (
            r.stdout + r.stderr).strip()[-2000:]
        r = subprocess.run([QUASAR, "infer", "--net", path], capture_output=True, text=True)
        if r.returncode == 0:
            last = [l for l in r.stdout.splitlines() if l.startswith("output ")]
            info["quasar_infer"] = last[0] if last else "ok"
        else:
            info["quasar_infer"] = f"exit {r.returncode}: " + (r.stdout + r.stderr).strip()[-2000:]
    return info


def save_results(args, results):
    path = os.path.join(args.out, "results.json")
    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    old.update(results)
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)


def load_exported(net, precision, path):
    """The PyTorch model of an exported ONNX file (its initializers are the frozen state)."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:  # the exporter deduplicates equal initializers through Identity nodes
        if n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    m = NETS[net](precision)
    sd = m.state_dict()
    loaded = 0
    for k, v in sd.items():
        if k in inits:
            v.copy_(torch.from_numpy(inits[k].copy()).reshape(v.shape))
            loaded += 1
    if precision != "float":
        for a in m.act_quants():
            a.is_frozen = True
        for layer, _ in m.layers_with_inputs():
            layer.wq.is_frozen = layer.wq.kind != "none"
            layer.bias_is_frozen = True
    m.eval()
    return m, loaded


def reevaluate(net, precision, args, data, log, results):
    """Re-runs the evaluation of an exported model (torch_top1, logits, accuracy) from its ONNX
    file, without training (e.g. after a change to the evaluation code)."""
    name = model_name(net, precision)
    path = os.path.join(args.out, f"{name}.onnx")
    m, loaded = load_exported(net, precision, path)
    acc, pred, first16 = evaluate(m, data["test_x"], data["test_y"])
    old = np.load(os.path.join(args.out, f"{name}.torch_top1.npy"))
    same = float((old == pred.numpy()).mean())
    np.save(os.path.join(args.out, f"{name}.torch_top1.npy"), pred.numpy().astype(np.uint8))
    np.save(os.path.join(args.out, f"{name}.torch_logits_first16.npy"),
            first16.numpy().astype(np.float32))
    agree, acc64, dmax = verify(path, data)
    log(f"{name}: re-evaluated from ONNX ({loaded} tensors): top-1 {acc:.4f}, "
        f"same predictions as before on {same:.4%}")
    with open(os.path.join(args.out, "results.json")) as f:
        entry = json.load(f)[name]
    entry.update({"test_top1": round(acc, 4), "onnx_f64_agrees_with_torch_top1": round(agree, 5),
                  "onnx_f64_top1": acc64, "first16_max_abs_diff": dmax})
    results[name] = entry
    save_results(args, results)


def reexport(net, precision, args, data, log, results):
    """Loads an exported model, applies the export-time adjustments of QModel.freeze that
    keep the trained integers (nudge_bipolar_thresholds), and exports it again."""
    name = model_name(net, precision)
    path = os.path.join(args.out, f"{name}.onnx")
    m, loaded = load_exported(net, precision, path)
    log(f"{name}: re-export from {path} ({loaded} tensors)")
    if precision != "float":
        m.nudge_bipolar_thresholds(log)
    with open(os.path.join(args.out, "results.json")) as f:
        old = json.load(f)[name]
    finish(net, precision, m, data, args, log, results, old["epochs"], old["train_seconds"],
           old["float_test_top1"], frozen=True)


def run(net, precision, args, data, log, results):
    if args.reeval:
        return reevaluate(net, precision, args, data, log, results)
    if args.reexport:
        return reexport(net, precision, args, data, log, results)
    float_model = float_checkpoint(net, args, data, log, results)
    if precision == "float":
        if net not in args._float_done:  # checkpoint existed: re-export only
            finish(net, "float", float_model, data, args, log, results, 0, 0.0)
        return
    float_acc, _, _ = evaluate(float_model, data["test_x"], data["test_y"])
    setup(args.seed, args.threads)
    epochs = args.qat_epochs or QAT_EPOCHS.get((net, precision), QAT_EPOCHS[net])
    lr = 1e-3 if precision == "binary" else 5e-4
    name = model_name(net, precision)
    log(f"{name}: QAT {epochs} epochs from the float checkpoint ({float_acc:.4f})")
    t0 = time.time()
    model = prepare_qat(net, precision, float_model, data, log)
    acc0, _, _ = evaluate(model, data["test_x"], data["test_y"])
    log(f"  after calibration, before QAT: test acc {acc0:.4f}")
    train_loop(model, data, epochs, lr, args.seed, log)
    secs = time.time() - t0
    finish(net, precision, model, data, args, log, results, epochs, secs, float_acc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", choices=sorted(NETS))
    ap.add_argument("--precision", default="float", choices=list(PRECISIONS) + ["all"])
    ap.add_argument("--all", action="store_true", help="every net and precision of the plan")
    ap.add_argument("--out", default="workloads/models")
    ap.add_argument("--float-epochs", type=float, default=0, help="0: the net's default")
    ap.add_argument("--qat-epochs", type=float, default=0, help="0: the net's default")
    ap.add_argument("--retrain-float", action="store_true",
                    help="train the float model even if its checkpoint exists")
    ap.add_argument("--reeval", action="store_true",
                    help="no training: re-evaluate the exported ONNX files (torch_top1 etc.)")
    ap.add_argument("--reexport", action="store_true",
                    help="no training: reload the exported ONNX files, apply the export-time "
                         "adjustments, export and evaluate again")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    args.out_rel = args.out
    args.out = os.path.abspath(args.out)
    args._float_done = set()
    os.makedirs(args.out, exist_ok=True)
    setup(args.seed, args.threads)
    logf = open(os.path.join(args.out, "train.log"), "a")

    def log(msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    data = {k: torch.from_numpy(v) for k, v in fmnist.load().items()}
    if args.all:
        plan = ALL_PLAN
    elif args.net:
        plan = [(args.net, PRECISIONS if args.precision == "all" else (args.precision,))]
    else:
        ap.error("--net or --all")
    results = {}
    for net, precs in plan:
        for p in precs:
            run(net, p, args, data, log, results)


if __name__ == "__main__":
    main()
