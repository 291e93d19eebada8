#!/usr/bin/python3
"""Rewrites an 8-bit QONNX model (every Quant node 8 bits, zero point 0) as an ONNX QDQ model:
the same network with standard operators only, as ONNX Runtime's quantizer writes them.

    /usr/bin/python3 workloads/train/qdq.py IN.onnx OUT.onnx

Per Quant node (QONNX: q = clamp(round(x / s + z), lo, hi), round half to even for
rounding_mode ROUND; y = (q - z) s [QONNX-Quant]):
  * on a constant (weights): the codes q become an int8 initializer read by DequantizeLinear
    (y = (q - 0) s [ONNX-DQ]); a scale of shape [C, 1, ...] becomes a 1-D scale with axis 0
    and a zero point of the same shape.
    The codes are computed here in float32, as QONNX executes on float32 tensors, so narrow
    ranges ([-127, 127]) are kept exactly;
  * on an activation: QuantizeLinear (q = saturate(round_half_even(x / s) + z) [ONNX-Q]) then
    DequantizeLinear, uint8 for an unsigned Quant, int8 for a signed one of the full range.
    A signed narrow-range activation has no exact QDQ form (int8 saturates at -128) and is
    refused.
Both give the same values as the Quant node for every input, so the converted model computes
the same function. Anything else (other bit widths, BipolarQuant, Trunc, a nonzero zero point,
another rounding mode) is refused.

Sources: [QONNX-Quant] github.com/fastmachinelearning/qonnx docs/qonnx-custom-ops/quant_op.md;
[ONNX-Q], [ONNX-DQ] github.com/onnx/onnx docs/Operators.md QuantizeLinear-13,
DequantizeLinear-13.
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

QONNX_DOMAIN = "qonnx.custom_op.general"


def _constants(graph):
    """Values of initializers, Constant nodes and Identity nodes of constants."""
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant":
            values[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
        elif n.op_type == "Identity" and n.input[0] in values:
            values[n.output[0]] = values[n.input[0]]
    return values


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def to_qdq(model):
    g = model.graph
    consts = _constants(g)
    nodes, inits = [], list(g.initializer)
    for n in g.node:
        if n.domain == QONNX_DOMAIN and n.op_type != "Quant":
            raise ValueError(f"{n.name}: {n.op_type} has no QDQ form (8-bit Quant only)")
        if n.op_type != "Quant":
            nodes.append(n)
            continue
        x, s_name, z_name, b_name = n.input
        s = consts[s_name].astype(np.float32)
        z, bits = consts[z_name], consts[b_name]
        signed, narrow = int(_attr(n, "signed", 1)), int(_attr(n, "narrow", 0))
        mode = _attr(n, "rounding_mode", b"ROUND")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if float(bits) != 8 or np.any(z != 0) or mode != "ROUND":
            raise ValueError(f"{n.name}: bitwidth {float(bits)}, zero point {z}, rounding {mode}: "
                             "only 8-bit Quant with zero point 0 and ROUND")
        if s.size > 1:
            if any(d != 1 for d in s.shape[1:]):
                raise ValueError(f"{n.name}: scale of shape {s.shape}, not per channel on axis 0")
            scale = numpy_helper.from_array(s.reshape(-1), n.output[0] + "_scale")
            axis = [helper.make_attribute("axis", 0)]
        else:
            scale = numpy_helper.from_array(s.reshape(()), n.output[0] + "_scale")
            axis = []
        inits.append(scale)
        lo, hi = (-128 + narrow, 127) if signed else (0, 255 - narrow)
        dtype = np.int8 if signed else np.uint8
        zp = numpy_helper.from_array(np.zeros(scale.dims, dtype), n.output[0] + "_zero_point")
        inits.append(zp)
        if x in consts:  # weights: int8 codes, computed in float32
            w = consts[x].astype(np.float32)
            q = np.clip(np.round(w / s), lo, hi).astype(dtype)
            codes = numpy_helper.from_array(q, n.output[0] + "_codes")
            inits.append(codes)
            dq = helper.make_node("DequantizeLinear", [codes.name, scale.name, zp.name],
                                  [n.output[0]], name=n.name + "_dq")
            dq.attribute.extend(axis)
            nodes.append(dq)
            continue
        if signed and narrow:
            raise ValueError(f"{n.name}: a signed narrow-range activation has no exact QDQ form")
        if s.size > 1:
            raise ValueError(f"{n.name}: per-channel activation scale")
        mid = n.output[0] + "_q"
        nodes.append(helper.make_node("QuantizeLinear", [x, scale.name, zp.name], [mid],
                                      name=n.name + "_q"))
        nodes.append(helper.make_node("DequantizeLinear", [mid, scale.name, zp.name],
                                      [n.output[0]], name=n.name + "_dq"))
    used = {i for n in nodes for i in n.input}
    inits = [i for i in inits if i.name in used or i.name in {o.name for o in g.output}]
    # Constants only the Quant nodes read (their scale, zero point, bit width) are dropped too.
    nodes = [n for n in nodes if n.op_type != "Constant" or n.output[0] in used]
    graph = helper.make_graph(nodes, g.name, list(g.input), list(g.output), inits)
    opsets = [o for o in model.opset_import if o.domain != QONNX_DOMAIN]
    out = helper.make_model(graph, opset_imports=opsets, producer_name="quasar qdq.py")
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    onnx.save(to_qdq(onnx.load(sys.argv[1])), sys.argv[2])


if __name__ == "__main__":
    main()
