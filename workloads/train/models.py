"""LeNet-5, a BinaryNet-style CNN and ResNet-8 for Fashion-MNIST (1x28x28), float or QAT.

Architectures:
  [LeNet]   LeCun, Bottou, Bengio, Haffner, "Gradient-Based Learning Applied to Document
            Recognition", Proc. IEEE 1998 (here with ReLU and max pooling, the common modern
            variant): conv5x5 6 (pad 2) - relu - maxpool2 - conv5x5 16 - relu - maxpool2 -
            fc120 - relu - fc84 - relu - fc10.
  [BNN]     Courbariaux/Hubara et al., "Binarized Neural Networks", NeurIPS 2016 (their CIFAR-10
            net is a VGG-like stack of 3x3 convs, pairs per width, max pooling, batch norm);
            here the small version conv32-conv32-pool-conv64-conv64-pool-fc10, 3x3, pad 1.
  [ResNet]  He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016:
            basic blocks (two 3x3 convs, identity shortcut, 1x1 projection shortcut where the
            shape changes, their option B). ResNet-8: stem conv 16, blocks 16 / 32 (stride 2) /
            64 (stride 2), global average pool, fc10.

Precision of a model (quant.weight_spec / quant.act_spec):
  * first weighted layer: 8-bit narrow weights, on the 8-bit signed network input;
  * last weighted layer: 8-bit narrow weights, on an 8-bit unsigned activation; 8-bit signed
    logits;
  * every other weighted layer: weights and input activations at the model's precision;
  * float models: no quantizers; BNN and ResNet float models keep BatchNormalization (Quasar
    folds it); QAT models have none (BN is folded into the conv before QAT, [IAO] in quant.py).

Every layer's forward takes the scale of its input's quantizer (s_in), for the bias grid.
"""
import torch
from torch import nn
import torch.nn.functional as F

import fmnist
from quant import ActQuant, WeightQuant, act_spec, snap_to_grid, weight_spec

# Network input: 8-bit signed, scale max|x| / 127 so the brightest pixel (x = (1 - MEAN) / STD
# = 2.0227) is code 127 and the darkest (-0.8102) is code -51.
INPUT_SCALE = float(torch.tensor((1.0 - fmnist.MEAN) / fmnist.STD, dtype=torch.float32)) / 127.0


class QLayer:
    """Weight quantizer + bias on the integer grid of the layer's accumulator (shared code of
    QConv2d and QLinear).

    Bias: an integer accelerator adds it to the int32 accumulator at scale s_in * s_w ([IAO]),
    so during QAT the bias is snapped to that grid (STE) and exported already on it: Quasar's
    round(b / (s_in s_w)) then gives the same integers PyTorch used.

    bipolar_parity (binary layers whose input and output are both bipolar): the accumulator of
    K taps of +-1 x +-1 is congruent to K mod 2 (zero padding adds taps in multiples of C_in,
    even here). The bias integer n is then snapped to the opposite parity, so acc + n is odd,
    never 0, and the sign (BipolarQuant: x >= 0) cannot depend on float rounding of a
    pre-activation that is exactly 0 in integers.
    """

    def _setup_quant(self, wspec):
        kind, bits, narrow = wspec
        self.wq = WeightQuant(kind, tuple(self.weight.shape), bits, narrow)
        self.bipolar_parity = None
        self.exact_eval = False
        self.register_buffer("bias_frozen", torch.zeros(self.weight.shape[0]))
        self.bias_is_frozen = False

    def qweight(self):
        return self.wq(self.weight)

    def qbias(self, s_in):
        if self.bias is None or self.wq.kind == "none":
            return self.bias
        if self.bias_is_frozen:
            return self.bias_frozen
        step = (s_in.detach() * self.wq.current_scale(self.weight).detach()).reshape(-1)
        if self.bipolar_parity is None:
            return snap_to_grid(self.bias, step)
        p = (self.bipolar_parity + 1) % 2
        n = 2 * torch.round((self.bias.detach() / step - p) / 2) + p
        return self.bias + (n * step - self.bias).detach()

    def _exact(self):
        return self.exact_eval and not self.training and not torch.onnx.is_in_onnx_export()

    def _integer_forward(self, op, x, w, b, s_in):
        """Eval of a layer whose output is bipolar (exact_eval): on its integer codes, in
        float64, as an integer accelerator computes it: acc = sum(q_x q_w) + n_b, output
        acc * s_in * s_w. The sign of an accumulator that is exactly 0 is then +1 (QONNX
        BipolarQuant: x >= 0), where float32 sums of the fake-quantized values could give
        -1e-9. Not used in training nor in the exported graph (the same Conv/Gemm)."""
        sw = self.wq.current_scale(self.weight).double()
        si = s_in.double()
        step = (si * sw).reshape(-1)
        xc = torch.round(x.double() / si)
        wc = torch.round(w.double() / sw)
        nb = None if b is None else torch.round(b.double() / step)
        acc = op(xc, wc, nb)
        shape = (1, -1) + (1,) * (acc.dim() - 2)
        return (acc * step.reshape(shape)).float()

    @torch.no_grad()
    def freeze(self, s_in):
        self.wq.freeze(self.weight)
        if self.bias is not None and self.wq.kind != "none":
            self.bias_frozen.copy_(self.qbias(s_in).detach())
            self.bias_is_frozen = True


class QConv2d(nn.Conv2d, QLayer):
    def __init__(self, cin, cout, k, stride=1, padding=0, bias=True, wspec=("none", 32, False)):
        nn.Conv2d.__init__(self, cin, cout, k, stride=stride, padding=padding, bias=bias)
        self._setup_quant(wspec)

    def forward(self, x, s_in=None):
        w, b = self.qweight(), self.qbias(s_in)
        if self._exact():
            return self._integer_forward(
                lambda xc, wc, nb: F.conv2d(xc, wc, nb, self.stride, self.padding), x, w, b, s_in)
        return F.conv2d(x, w, b, self.stride, self.padding)


class QLinear(nn.Linear, QLayer):
    def __init__(self, cin, cout, bias=True, wspec=("none", 32, False)):
        nn.Linear.__init__(self, cin, cout, bias=bias)
        self._setup_quant(wspec)

    def forward(self, x, s_in=None):
        w, b = self.qweight(), self.qbias(s_in)
        if self._exact():
            return self._integer_forward(F.linear, x, w, b, s_in)
        return F.linear(x, w, b)


def make_act(precision, eight_bit=False):
    kind, bits = act_spec(precision, eight_bit)
    return ActQuant(kind, bits, signed=False)


def act(x, aq):
    """ReLU then an unsigned Quant, or (binary activations) BipolarQuant of the pre-activation."""
    if aq.kind == "bipolar":
        return aq(x)
    return aq(F.relu(x))


def input_quant(precision):
    if precision == "float":
        return ActQuant("none")
    return ActQuant("fixed", 8, signed=True, scale=INPUT_SCALE)


def output_quant(precision):
    if precision == "float":
        return ActQuant("none")
    return ActQuant("int", 8, signed=True)


class QModel(nn.Module):
    """Common bits: the ordered weighted layers (with the quantizer of their input) and
    activation quantizers, for calibration, freezing and BN folding."""

    def layers_with_inputs(self):
        raise NotImplementedError

    def mark_exact(self):
        for layer, _ in self.bipolar_layers():
            layer.exact_eval = True

    def bipolar_layers(self):
        return []

    def act_quants(self):
        return [m for m in self.modules() if isinstance(m, ActQuant)]

    @torch.no_grad()
    def freeze(self):
        """Fixes every scale and bias for export (activation steps first: the bias grids use
        them)."""
        for a in self.act_quants():
            a.freeze()
        for layer, inq in self.layers_with_inputs():
            layer.freeze(inq.scale)
        self.nudge_bipolar_thresholds()

    @torch.no_grad()
    def nudge_bipolar_thresholds(self, log=None):
        """For a layer with integer (not bipolar) inputs and a bipolar output: an integer
        pipeline that folds the sign into the bias, as Quasar does (bias - s_y/2 rounded to the
        grid s_in s_w, then the sign of the requantized value; models/src/net/quantize_net.cc),
        switches at acc + n = -r with r = h - round(h), h = s_y / (2 s_in s_w); for r < 0 an
        accumulator exactly at 0 gives -1 where BipolarQuant (x >= 0) gives +1. This moves each
        channel's weight scale by < 1 / (4h) relative (keeping the weight codes and the bias
        integer) so that r = 0.25: then both agree for every accumulator."""
        for layer, aq in self.bipolar_layers():
            if layer.bipolar_parity is not None or layer.wq.kind != "int":
                continue
            s_in = [q for l, q in self.layers_with_inputs() if l is layer][0].scale.float()
            sw = layer.wq.frozen.clone()
            step = (s_in * sw).reshape(-1)
            codes = torch.round(torch.clamp(layer.weight / sw, layer.wq.lo, layer.wq.hi))
            n = torch.round(layer.bias_frozen.double() / step.double())
            h = float(aq.scale) / (2.0 * step.double())
            target = torch.floor(h) + 0.25
            new_sw = (float(aq.scale) / (2.0 * target) / float(s_in)).float()
            new_step = (s_in * new_sw).reshape(-1)
            r = float(aq.scale) / (2.0 * new_step.double())
            r = r - torch.round(r)
            if not bool(((r > 0.1) & (r < 0.4)).all()):
                raise RuntimeError(f"threshold nudge failed: r = {r}")
            layer.wq.frozen.copy_(new_sw.reshape(sw.shape))
            layer.weight.copy_(codes * layer.wq.frozen)
            layer.bias_frozen.copy_((n * new_step.double()).float())
            if log:
                log(f"  bipolar threshold: weight scales of {type(layer).__name__} moved by "
                    f"<= {float(((new_sw - sw.reshape(-1)) / sw.reshape(-1)).abs().max()):.2g} "
                    f"relative")


class LeNet5(QModel):
    def __init__(self, precision="float"):
        super().__init__()
        P = precision
        self.precision = P
        self.qin = input_quant(P)
        self.conv1 = QConv2d(1, 6, 5, padding=2, wspec=weight_spec(P, True))
        self.a1 = make_act(P)
        self.conv2 = QConv2d(6, 16, 5, wspec=weight_spec(P, False))
        self.a2 = make_act(P)
        self.fc1 = QLinear(16 * 5 * 5, 120, wspec=weight_spec(P, False))
        self.a3 = make_act(P)
        self.fc2 = QLinear(120, 84, wspec=weight_spec(P, False))
        self.a4 = make_act(P, eight_bit=True)  # input of the last layer
        self.fc3 = QLinear(84, 10, wspec=weight_spec(P, True))
        self.qout = output_quant(P)
        if P == "binary":
            self.conv2.bipolar_parity = (6 * 5 * 5) % 2
            self.fc1.bipolar_parity = (16 * 5 * 5) % 2
        self.mark_exact()

    def layers_with_inputs(self):
        return [(self.conv1, self.qin), (self.conv2, self.a1), (self.fc1, self.a2),
                (self.fc2, self.a3), (self.fc3, self.a4)]

    def bipolar_layers(self):
        """(layer, its output quantizer) for layers with a bipolar output, in order."""
        return [(l, a) for l, a in [(self.conv1, self.a1), (self.conv2, self.a2),
                                    (self.fc1, self.a3)] if a.kind == "bipolar"]

    def forward(self, x):
        x = self.qin(x)
        x = F.max_pool2d(act(self.conv1(x, self.qin.scale), self.a1), 2)
        x = F.max_pool2d(act(self.conv2(x, self.a1.scale), self.a2), 2)
        x = torch.flatten(x, 1)
        x = act(self.fc1(x, self.a2.scale), self.a3)
        x = act(self.fc2(x, self.a3.scale), self.a4)
        return self.qout(self.fc3(x, self.a4.scale))


class BNNet(QModel):
    """conv32-conv32-pool-conv64-conv64-pool-fc10 (3x3, pad 1)."""

    def __init__(self, precision="float"):
        super().__init__()
        P = precision
        self.precision = P
        fl = P == "float"
        self.qin = input_quant(P)
        chans = [(1, 32), (32, 32), (32, 64), (64, 64)]
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        self.acts = nn.ModuleList()
        for i, (ci, co) in enumerate(chans):
            self.convs.append(QConv2d(ci, co, 3, padding=1, bias=not fl,
                                      wspec=weight_spec(P, i == 0)))
            self.bns.append(nn.BatchNorm2d(co) if fl else nn.Identity())
            self.acts.append(make_act(P, eight_bit=(i == 3)))
        self.fc = QLinear(64 * 7 * 7, 10, wspec=weight_spec(P, True))
        self.qout = output_quant(P)
        if P == "binary":
            for i in (1, 2):  # bipolar in and out (conv2, conv3); C_in even, so pads keep parity
                self.convs[i].bipolar_parity = (chans[i][0] * 9) % 2
        self.mark_exact()

    def layers_with_inputs(self):
        ins = [self.qin] + list(self.acts[:3])
        return list(zip(self.convs, ins)) + [(self.fc, self.acts[3])]

    def bipolar_layers(self):
        return [(c, a) for c, a in zip(self.convs, self.acts) if a.kind == "bipolar"]

    def conv_bn_pairs(self):
        return list(zip(self.convs, self.bns))

    def forward(self, x):
        x = self.qin(x)
        s = self.qin.scale
        for i, (conv, bn, aq) in enumerate(zip(self.convs, self.bns, self.acts)):
            x = act(bn(conv(x, s)), aq)
            s = aq.scale
            if i in (1, 3):
                x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        return self.qout(self.fc(x, s))


class BasicBlock(nn.Module):
    """[ResNet] basic block. QAT: c1 -> relu -> Quant(a bits) (or BipolarQuant) -> c2 ->
    Quant(8-bit signed); shortcut: the block input, or 1x1 conv -> Quant(8-bit signed);
    Add -> relu -> Quant (a bits unsigned, 8 bits for the last block) or BipolarQuant.
    The two tensors entering each Add are kept at 8 bits signed (the residual path).

    Binary blocks whose Add output is bipolar: an integer Add rounds the sum to the output
    scale s_y before taking its sign, so a sum in [-s_y/2, 0) would give +1 where
    BipolarQuant gives -1. The blocks therefore make every possible sum a multiple of one step
    s and give the bipolar output the scale s_y = s (no multiple of s lies in [-s/2, 0)):
    with a projection, both Add inputs share one 8-bit quantizer (one learned s); with the
    identity shortcut (a bipolar input of scale 1), the residual's 8-bit quantizer has the fixed
    step s = 1/32, so the sum (q + 32 * (+-1)) / 32 is a multiple of 1/32."""

    def __init__(self, cin, cout, stride, precision, last):
        super().__init__()
        P = precision
        fl = P == "float"
        self.c1 = QConv2d(cin, cout, 3, stride, 1, bias=not fl, wspec=weight_spec(P, False))
        self.b1 = nn.BatchNorm2d(cout) if fl else nn.Identity()
        self.a1 = make_act(P)
        self.c2 = QConv2d(cout, cout, 3, 1, 1, bias=not fl, wspec=weight_spec(P, False))
        self.b2 = nn.BatchNorm2d(cout) if fl else nn.Identity()
        self.q2 = ActQuant("none") if fl else ActQuant("int", 8, signed=True)
        has_proj = stride != 1 or cin != cout
        binary_add = P == "binary" and not last
        if binary_add and not has_proj:
            self.q2 = ActQuant("fixed", 8, signed=True, scale=1.0 / 32)
        self.proj = None
        if has_proj:
            self.proj = QConv2d(cin, cout, 1, stride, 0, bias=not fl,
                                wspec=weight_spec(P, False))
            self.pb = nn.BatchNorm2d(cout) if fl else nn.Identity()
            self.qp = ActQuant("none") if fl else ActQuant("int", 8, signed=True)
            if binary_add:
                self.qp = self.q2  # one quantizer, one step, for both Add inputs
        self.aout = make_act(P, eight_bit=last)
        if binary_add:
            self.aout = ActQuant("bipolar", 1, tie=self.q2)
        if P == "binary":
            self.c1.bipolar_parity = (cin * 9) % 2

    def forward(self, x, s_in):
        y = act(self.b1(self.c1(x, s_in)), self.a1)
        y = self.q2(self.b2(self.c2(y, self.a1.scale)))
        sc = x if self.proj is None else self.qp(self.pb(self.proj(x, s_in)))
        return act(y + sc, self.aout)


class ResNet8(QModel):
    def __init__(self, precision="float"):
        super().__init__()
        P = precision
        self.precision = P
        fl = P == "float"
        self.qin = input_quant(P)
        self.stem = QConv2d(1, 16, 3, 1, 1, bias=not fl, wspec=weight_spec(P, True))
        self.sb = nn.BatchNorm2d(16) if fl else nn.Identity()
        self.sa = make_act(P)
        self.blocks = nn.ModuleList([BasicBlock(16, 16, 1, P, False),
                                     BasicBlock(16, 32, 2, P, False),
                                     BasicBlock(32, 64, 2, P, True)])
        # Quasar's global_avg_pool keeps its input's quantization; the mean is re-quantized to
        # that same scale (a Quant with the last block's own scale, see forward).
        self.fc = QLinear(64, 10, wspec=weight_spec(P, True))
        self.qout = output_quant(P)
        self.mark_exact()

    def layers_with_inputs(self):
        out = [(self.stem, self.qin)]
        s = self.sa
        for b in self.blocks:
            out.append((b.c1, s))
            out.append((b.c2, b.a1))
            if b.proj is not None:
                out.append((b.proj, s))
            s = b.aout
        out.append((self.fc, s))
        return out

    def bipolar_layers(self):
        out = [(self.stem, self.sa)] if self.sa.kind == "bipolar" else []
        for b in self.blocks:
            if b.a1.kind == "bipolar":
                out.append((b.c1, b.a1))
        return out

    def conv_bn_pairs(self):
        pairs = [(self.stem, self.sb)]
        for b in self.blocks:
            pairs += [(b.c1, b.b1), (b.c2, b.b2)]
            if b.proj is not None:
                pairs.append((b.proj, b.pb))
        return pairs

    def forward(self, x):
        x = self.qin(x)
        x = act(self.sb(self.stem(x, self.qin.scale)), self.sa)
        s = self.sa.scale
        for b in self.blocks:
            x = b(x, s)
            s = b.aout.scale
        x = x.mean(dim=(2, 3))
        aq = self.blocks[-1].aout
        if aq.kind == "int":  # global average pool, re-quantized to its input's parameters
            x = aq(x)
        return self.qout(self.fc(x, s))


NETS = {"lenet5": LeNet5, "bnn": BNNet, "resnet8": ResNet8}


@torch.no_grad()
def fold_bn_into(float_model, qat_model):
    """Copies a float model's weights into a QAT model of the same net, folding each
    BatchNormalization into the conv before it ([IAO]; w' = w * g / sqrt(var + eps),
    b' = beta + (b - mean) * g / sqrt(var + eps), in float64)."""
    if not hasattr(float_model, "conv_bn_pairs"):  # no batch norm: copy weights and biases
        fl = dict(float_model.named_modules())
        for name, q in qat_model.named_modules():
            if isinstance(q, (QConv2d, QLinear)):
                q.weight.copy_(fl[name].weight)
                q.bias.copy_(fl[name].bias)
        return
    for (fc, bn), (qc, _) in zip(float_model.conv_bn_pairs(), qat_model.conv_bn_pairs()):
        w = fc.weight.double()
        b = fc.bias.double() if fc.bias is not None else torch.zeros(w.shape[0], dtype=w.dtype)
        if isinstance(bn, nn.BatchNorm2d):
            g = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
            w = w * g.reshape(-1, 1, 1, 1)
            b = bn.bias.double() + (b - bn.running_mean.double()) * g
        qc.weight.copy_(w.float())
        qc.bias.copy_(b.float())
    # fc layers (no BN)
    for name in ("fc",):
        getattr(qat_model, name).weight.copy_(getattr(float_model, name).weight)
        getattr(qat_model, name).bias.copy_(getattr(float_model, name).bias)
