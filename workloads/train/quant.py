"""Fake quantization for QAT, exported as QONNX Quant / BipolarQuant nodes.

Sources (every external fact used below):
  [QONNX-Quant]   QONNX custom op Quant, github.com/fastmachinelearning/qonnx
                  docs/qonnx-custom-ops/quant_op.md (intquant_v1.md in newer trees):
                  q = round(clamp(x / scale + zeropt, min, max)), y = (q - zeropt) * scale,
                  [min, max] = signed ? [-2^(b-1) (+1 if narrow), 2^(b-1) - 1]
                                      : [0, 2^b - 1 (-1 if narrow)],
                  inputs (x, scale, zeropt, bitwidth), attributes signed, narrow, rounding_mode.
  [QONNX-Bip]     QONNX custom op BipolarQuant, same repository,
                  docs/qonnx-custom-ops/bipolar_quant_op.md (bipolarquant_v1.md):
                  y = (x >= 0 ? 1 : -1) * scale, inputs (x, scale).
  [STE]           Bengio, Leonard, Courville, "Estimating or Propagating Gradients Through
                  Stochastic Neurons for Conditional Computation", arXiv:1308.3432, 2013
                  (straight-through estimator: the rounding's gradient is taken as 1).
  [LSQ]           Esser, McKinstry, Bablani, Appuswamy, Modha, "Learned Step Size
                  Quantization", ICLR 2020: the step s is a trained parameter;
                  d y / d s = -v/s + round(v/s) inside [-Qn, Qp], -Qn below, Qp above (their
                  eq. 3, with v the input); d y / d v = 1 inside the range, 0 outside (STE);
                  the step's gradient is scaled by g = 1 / sqrt(N * Qp), N the number of
                  elements the step quantizes (weights: of the layer, here of the output
                  channel; activations: of the feature map); signed b-bit weights use
                  Qn = 2^(b-1), Qp = 2^(b-1) - 1 and unsigned activations Qn = 0, Qp = 2^b - 1.
  [TQT]           Jain, Gural, Wu, Dick, "Trained Quantization Thresholds for Accurate and
                  Efficient Fixed-Point Inference of Deep Neural Networks", MLSys 2020: train the
                  threshold/step in the log domain (scale-invariant updates); used here so Adam's
                  step is relative to the step size.
  [BNN]           Hubara, Courbariaux, Soudry, El-Yaniv, Bengio, "Binarized Neural Networks",
                  NeurIPS 2016: deterministic sign binarization; the sign's STE gradient is
                  1_{|x| <= 1} (hardtanh's derivative).
  [XNOR]          Rastegari, Ordonez, Redmon, Farhadi, "XNOR-Net: ImageNet Classification Using
                  Binary Convolutional Neural Networks", ECCV 2016: binary weights
                  W ~ alpha * sign(W) with alpha = mean |W| per output channel (filter).
  [TWN]           Li, Zhang, Liu, "Ternary Weight Networks", arXiv:1605.04711, 2016: ternary
                  weights {-alpha, 0, +alpha} with threshold Delta ~= 0.7 * mean|W| (used here
                  only to initialize the ternary step, see WeightQuant).
  [IAO]           Jacob et al., "Quantization and Training of Neural Networks for Efficient
                  Integer-Arithmetic-Only Inference", CVPR 2018: biases as int32 with scale
                  s_in * s_w and zero point 0; batch norm folded into the conv before
                  quantizing its weights.
PACT (Choi et al., arXiv:1805.06085, 2018) clips activations with a learned alpha; the LSQ step
used here plays the same role (the clip is Qp * s), so PACT itself is not used.

Everything in this file computes QONNX's Quant exactly in the forward pass (torch.round is half
to even, like QONNX's ROUND), so the PyTorch fake-quant model and the exported graph agree.
"""
import math

import torch
from torch import nn

QONNX_DOMAIN = "qonnx.custom_op.general"


def int_range(bits, signed, narrow):
    """[min, max] of the integer codes, per [QONNX-Quant]."""
    if signed:
        return -(2 ** (bits - 1)) + (1 if narrow else 0), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - (1 if narrow else 0)


def _sum_to(t, shape):
    """Sums a broadcast gradient back to `shape` (the scale's shape)."""
    if tuple(t.shape) == tuple(shape):
        return t
    if len(shape) == 0:
        return t.sum()
    dims = [d for d in range(t.dim()) if d >= len(shape) or shape[d] == 1]
    return t.sum(dim=dims, keepdim=True).reshape(shape)


class QuantFn(torch.autograd.Function):
    """QONNX Quant [QONNX-Quant] with zeropt 0 and ROUND; backward is LSQ's [LSQ]/[STE].

    scale: tensor, scalar or broadcastable per channel ([C,1,1,1] conv, [C,1] linear).
    grad_scale: LSQ's g for the step's gradient (python float; not exported).
    """

    @staticmethod
    def forward(ctx, x, scale, bits, signed, narrow, grad_scale):
        lo, hi = int_range(bits, signed, narrow)
        v = x / scale
        ctx.save_for_backward(v, scale)
        ctx.lohi = (lo, hi)
        ctx.grad_scale = grad_scale
        # q = round(clamp(x/scale + 0, lo, hi)); y = (q - 0) * scale. torch.round: half to even.
        return torch.round(torch.clamp(v, lo, hi)) * scale

    @staticmethod
    def backward(ctx, g):
        v, scale = ctx.saved_tensors
        lo, hi = ctx.lohi
        inside = (v >= lo) & (v <= hi)
        gx = g * inside.to(g.dtype)  # STE inside the clipping range, 0 outside [LSQ]
        gs = None
        if ctx.needs_input_grad[1]:
            # LSQ eq. 3: round(v) - v inside, lo below, hi above.
            ds = torch.where(v <= lo, torch.full_like(v, lo),
                             torch.where(v >= hi, torch.full_like(v, hi), torch.round(v) - v))
            gs = _sum_to(g * ds, scale.shape) * ctx.grad_scale
        return gx, gs, None, None, None, None

    @staticmethod
    def symbolic(g, x, scale, bits, signed, narrow, grad_scale):
        z = g.op("Constant", value_t=torch.tensor(0.0, dtype=torch.float32))
        b = g.op("Constant", value_t=torch.tensor(float(bits), dtype=torch.float32))
        return g.op(QONNX_DOMAIN + "::Quant", x, scale, z, b, signed_i=int(signed),
                    narrow_i=int(narrow), rounding_mode_s="ROUND")


class BipolarFn(torch.autograd.Function):
    """QONNX BipolarQuant [QONNX-Bip]: y = (x >= 0 ? 1 : -1) * scale.

    Backward: x gets the hardtanh STE of [BNN], 1_{|x| <= ste_clip}; scale gets sum(g * sign)
    (so a scale computed from the weights, XNOR-Net's mean|W|, gets its exact gradient).
    """

    @staticmethod
    def forward(ctx, x, scale, ste_clip):
        sign = torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
        ctx.save_for_backward(x, sign, scale)
        ctx.ste_clip = ste_clip
        return sign * scale

    @staticmethod
    def backward(ctx, g):
        x, sign, scale = ctx.saved_tensors
        gx = g * (x.abs() <= ctx.ste_clip).to(g.dtype)
        gs = _sum_to(g * sign, scale.shape) if ctx.needs_input_grad[1] else None
        return gx, gs, None

    @staticmethod
    def symbolic(g, x, scale, ste_clip):
        return g.op(QONNX_DOMAIN + "::BipolarQuant", x, scale)


def snap_to_grid(x, step):
    """round(x / step) * step with an STE gradient (used for biases, see QConv2d)."""
    return x + (torch.round(x / step) * step - x).detach()


class ActQuant(nn.Module):
    """Quantizer of a computed tensor: one scale per tensor, zero point 0, never narrow (Quasar's
    activation types are full range).

    kind: 'int' (Quant, learned step [LSQ], trained as log(step) [TQT]), 'fixed' (Quant,
    constant step, used for the network input), 'bipolar' (BipolarQuant, binary activations
    [BNN]; constant scale 1, or `tie`'s scale), or 'none' (identity: float models).
    `scale` is the step in use: exp(log_scale) while training, the frozen value after freeze()
    (a buffer, exported as the Quant's scale initializer).
    """

    def __init__(self, kind, bits=8, signed=False, scale=1.0, tie=None):
        super().__init__()
        self.kind, self.bits, self.signed = kind, bits, signed
        # tie: another ActQuant whose scale this one uses (a bipolar output whose scale must
        # equal the 8-bit inputs' scale of the Add before it, see models.BasicBlock).
        self.__dict__["tie"] = tie  # not a submodule
        self.lo, self.hi = int_range(bits, signed, False)
        self.register_buffer("s_frozen", torch.tensor(float(scale)))
        if kind == "int":
            self.log_scale = nn.Parameter(torch.tensor(math.log(scale)))
        self.is_frozen = kind != "int" and tie is None
        self.enabled = True
        self.calibrating = False
        self.calib = []

    def extra_repr(self):
        return f"kind={self.kind}, bits={self.bits}, signed={self.signed}"

    @property
    def scale(self):
        if self.tie is not None and not self.is_frozen:
            return self.tie.scale
        return self.s_frozen if self.is_frozen else torch.exp(self.log_scale)

    @torch.no_grad()
    def freeze(self):
        if self.tie is not None:
            self.s_frozen.copy_(self.tie.scale)
            self.is_frozen = True
        if self.kind == "int":
            self.s_frozen.copy_(torch.exp(self.log_scale))
            self.is_frozen = True

    def forward(self, x):
        if self.calibrating:
            self.calib.append(x.detach().flatten()[::7].clone())
            return x
        if self.kind == "none" or not self.enabled:
            return x
        if self.kind == "bipolar":
            return BipolarFn.apply(x, self.scale, 1.0)  # [BNN] STE window |x| <= 1
        g = 1.0 / math.sqrt(x[0].numel() * self.hi)  # [LSQ] g = 1/sqrt(N Qp), N per sample
        return QuantFn.apply(x, self.scale, self.bits, self.signed, False, g)

    @torch.no_grad()
    def finish_calibration(self):
        """Initial step: the one minimizing the quantization MSE over the recorded values (a grid
        search over clip points; a calibration, afterwards [LSQ] trains it)."""
        self.calibrating = False
        if not self.calib:
            return
        v = torch.cat(self.calib)
        self.calib = []
        if self.kind == "int":
            self.log_scale.copy_(torch.log(mse_step(v[None, :], self.bits, self.signed, False)[0]))


@torch.no_grad()
def mse_step(w, bits, signed, narrow, grid=80):
    """Per row of w [R, N]: the step minimizing sum((Quant(w) - w)^2) among steps
    max|w| * k / (grid * Qp), k = 1..grid."""
    lo, hi = int_range(bits, signed, narrow)
    amax = w.abs().amax(dim=1).clamp_min(1e-8)
    best = torch.full_like(amax, float("inf"))
    best_s = amax / hi
    for k in range(1, grid + 1):
        s = amax * (k / grid) / hi
        err = ((torch.round(torch.clamp(w / s[:, None], lo, hi)) * s[:, None] - w) ** 2).sum(1)
        better = err < best
        best = torch.where(better, err, best)
        best_s = torch.where(better, s, best_s)
    return best_s


class WeightQuant(nn.Module):
    """Quantizer of a weight tensor, one scale per output channel (axis 0).

    kind 'int': QONNX Quant, signed, `narrow` as given, LSQ-learned per-channel step [LSQ]
        (trained as log(step), [TQT]), initialized by MSE calibration (mse_step); bits=2 with
        narrow=True is ternary
        {-1, 0, 1} * step (its step initialized by [TWN]'s threshold 0.7 * mean|W| = step / 2,
        i.e. step = 1.4 * mean|W|, then learned).
    kind 'binary': QONNX BipolarQuant with [XNOR]'s per-output-channel scale mean|W|, computed
        from the weights at every step (not a free parameter), frozen at export.
    kind 'none': the float weights.
    """

    def __init__(self, kind, shape, bits=8, narrow=True):
        super().__init__()
        self.kind, self.bits, self.narrow = kind, bits, narrow
        self.lo, self.hi = int_range(bits, True, narrow)
        sshape = (shape[0],) + (1,) * (len(shape) - 1)
        if kind == "int":
            self.log_scale = nn.Parameter(torch.zeros(sshape))
        self.register_buffer("frozen", torch.zeros(sshape))
        self.is_frozen = False

    def extra_repr(self):
        return f"kind={self.kind}, bits={self.bits}, narrow={self.narrow}"

    @torch.no_grad()
    def init_from(self, w):
        if self.kind != "int":
            return
        flat = w.reshape(w.shape[0], -1)
        if self.bits == 2 and self.narrow:  # ternary: [TWN] threshold
            s = 1.4 * flat.abs().mean(1)
        else:
            s = mse_step(flat, self.bits, True, self.narrow)
        self.log_scale.copy_(torch.log(s).reshape(self.log_scale.shape))

    def current_scale(self, w):
        if self.is_frozen:
            return self.frozen
        if self.kind == "int":
            return torch.exp(self.log_scale)
        if self.kind == "binary":  # [XNOR] alpha = mean |W| per output channel
            return w.abs().mean(dim=tuple(range(1, w.dim())), keepdim=True)
        return None

    @torch.no_grad()
    def freeze(self, w):
        """Fixes the scale used from now on (export and the final evaluation use this one)."""
        if self.kind != "none":
            self.frozen.copy_(self.current_scale(w).detach())
            self.is_frozen = True

    def forward(self, w):
        if self.kind == "none":
            return w
        s = self.current_scale(w)
        if self.kind == "binary":
            return BipolarFn.apply(w, s, 1.0)  # [BNN] STE clip 1 (latent weights are < 1)
        g = 1.0 / math.sqrt(w[0].numel() * self.hi)  # [LSQ] g, N = weights per channel
        return QuantFn.apply(w, s, self.bits, True, self.narrow, g)


def weight_spec(precision, first_or_last):
    """(kind, bits, narrow) of the weights of a layer at a precision. First and last weighted
    layers: always 8-bit narrow (symmetric int8, [-127, 127])."""
    if precision == "float":
        return ("none", 32, False)
    if first_or_last or precision == "w8a8":
        return ("int", 8, True)
    return {"w4a4": ("int", 4, False),   # [LSQ] Qn = 8, Qp = 7
            "w2a2": ("int", 2, False),   # [LSQ] {-2, -1, 0, 1} * step
            "ternary": ("int", 2, True),  # {-1, 0, 1} * step
            "binary": ("binary", 1, False)}[precision]


def act_spec(precision, eight_bit=False):
    """(kind, bits) of a ReLU activation that feeds a weighted layer (unsigned), at a precision.
    eight_bit: the input of the last weighted layer (8 bits at every precision)."""
    if precision == "float":
        return ("none", 32)
    if eight_bit or precision == "w8a8":
        return ("int", 8)
    return {"w4a4": ("int", 4), "w2a2": ("int", 2), "ternary": ("int", 4),
            "binary": ("bipolar", 1)}[precision]


PRECISIONS = ("float", "w8a8", "w4a4", "w2a2", "ternary", "binary")
