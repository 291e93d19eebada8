#!/usr/bin/env bash
# End-to-end checks of ONNX import from the command line: `import-onnx -o DIR` writes a network
# that every command reads; `import-onnx --check` lists unsupported nodes and exits 2; `--net
# model.onnx` works wherever --net does (decoder blocks included); dynamic dimensions need --input-shape; bad models and
# bad --input-shape values exit 2 with the file or value named.
# Usage: cli_onnx_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
data=$src/tests/data/onnx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

# Two networks give the same golden run: `infer --bits w8a8 --format json` of each, without the
# lines naming the file or the time, is not empty and equal (kept as $tmp/NAME.a.json, .b.json).
same_golden() {
  local a=$1 b=$2 name=$3
  "$q" infer --net "$a" --bits w8a8 --format json 2>/dev/null |
    grep -v 'seconds"\|"file"\|"net"' > "$tmp/$name.a.json"
  "$q" infer --net "$b" --bits w8a8 --format json 2>/dev/null |
    grep -v 'seconds"\|"file"\|"net"' > "$tmp/$name.b.json"
  expect 0 "" -- test -s "$tmp/$name.a.json"
  expect 0 "" -- diff "$tmp/$name.a.json" "$tmp/$name.b.json"
}

# import-onnx writes YAML + .npy; the written network has the model's MACs and parameters.
expect 0 "64080 MACs, 466 parameters" -- "$q" import-onnx "$data/tiny_cnn.onnx" -o "$tmp/tiny"
expect 0 "" -- test -f "$tmp/tiny/tiny_cnn.yaml"
expect 0 "" -- test -f "$tmp/tiny/weights/_conv1_Conv.npy"
expect 0 "total: 64080 MACs" -- "$q" networks --net "$tmp/tiny/tiny_cnn.yaml"
expect 0 "total: 64080 MACs" -- "$q" networks --net "$data/tiny_cnn.onnx"
# The YAML and the .onnx give the same golden run (same weights, same quantization).
same_golden "$data/tiny_cnn.onnx" "$tmp/tiny/tiny_cnn.yaml" tiny

# --net model.onnx in run, compile, compare and quantize.
expect 0 "" -- "$q" run --net "$data/tiny_cnn.onnx" --arch edge_32x32_os
expect 0 "" -- "$q" compile --net "$data/view_cnn.onnx" --arch edge_32x32_os --out "$tmp/s.json"
expect 0 "w4a4" -- "$q" compare --net "$data/view_cnn.onnx" --arch edge_32x32_os
expect 0 "" -- "$q" quantize --net "$data/tiny_cnn.onnx" --bits w4a4 --out "$tmp/q"

# A sweep file may name an ONNX model among its networks.
cat > "$tmp/sweep.yaml" <<EOF2
version: 1
name: onnx-sweep
base: edge_32x32_os
networks: [$data/gate_cnn.onnx]
precisions: [w8a8, w4a4]
sweep:
  array.rows: [8, 16]
EOF2
expect 0 "" -- "$q" sweep "$tmp/sweep.yaml" --out "$tmp/sweep.csv"
expect 0 "" -- test "$(grep -c gate_cnn.onnx "$tmp/sweep.csv")" -eq 4

# --check: every node imports (exit 0); a model with unsupported nodes lists them (exit 2).
expect 0 "every node imports" -- "$q" import-onnx --check "$data/tiny_cnn.onnx"
sed 's/MaxPool/LpPool_/g' "$data/tiny_cnn.onnx" > "$tmp/lp.onnx"
expect 2 "LpPool_" -- "$q" import-onnx --check "$tmp/lp.onnx"
expect 2 '"op_type": "LpPool_"' -- "$q" import-onnx --check "$tmp/lp.onnx" --format json
expect 2 "LpPool_ is not supported" -- "$q" networks --net "$tmp/lp.onnx"

# Dynamic batch: bound with --input-shape, refused without it.
expect 2 "--input-shape input=" -- "$q" networks --net "$data/tiny_cnn_dynamic.onnx"
expect 0 "total: 256320 MACs" -- \
  "$q" networks --net "$data/tiny_cnn_dynamic.onnx" --input-shape input=4x3x16x16
expect 0 "" -- "$q" run --net "$data/tiny_cnn_dynamic.onnx" --input-shape input=2x3x16x16 \
  --arch edge_32x32_os
expect 2 "not a positive integer" -- \
  "$q" networks --net "$data/tiny_cnn_dynamic.onnx" --input-shape input=4x0x16x16
expect 2 "NAME=shape" -- "$q" networks --net "$data/tiny_cnn_dynamic.onnx" --input-shape 4x3
expect 2 "applies to .onnx models only" -- "$q" networks --net lenet5 --input-shape input=1x1x28x28

# A QDQ model runs with its own quantization; options that would change it exit 2.
expect 0 "output fc" -- "$q" infer --net "$data/qdq_cnn.onnx"
expect 0 "uint8 asym" -- "$q" networks --net "$data/qdq_cnn.onnx"
expect 2 "--bits does not apply" -- "$q" infer --net "$data/qdq_cnn.onnx" --bits w4a4
expect 2 "--calib does not apply" -- "$q" run --net "$data/qdq_cnn.onnx" --arch edge_32x32_os \
  --backend systemc --calib kl

# import-onnx -o of a quantized model (QDQ, QOperator, com.microsoft, QONNX) writes its fixed
# quantization, integer weights and int32 biases; the written network gives the same golden run
# as the .onnx: every layer's saved output equal byte for byte, and the same JSON report.
for m in qdq_cnn qop_cnn qonnx_cnn qlinear_contrib qgemm qlinear_matmul2 qonnx_trunc_v1 \
         qonnx_trunc_v2 qonnx_torch; do
  expect 0 "" -- "$q" import-onnx "$data/$m.onnx" -o "$tmp/w_$m"
  "$q" infer --net "$data/$m.onnx" --format json --save-outputs "$tmp/w_$m/a" 2>/dev/null |
    grep -v 'seconds"\|"file"\|"net"' > "$tmp/w_$m/a.json"
  "$q" infer --net "$tmp/w_$m/$m.yaml" --format json --save-outputs "$tmp/w_$m/b" 2>/dev/null |
    grep -v 'seconds"\|"file"\|"net"' > "$tmp/w_$m/b.json"
  expect 0 "" -- test -s "$tmp/w_$m/a.json"
  expect 0 "" -- diff "$tmp/w_$m/a.json" "$tmp/w_$m/b.json"
  for f in "$tmp/w_$m"/a/*.npy; do
    expect 0 "" -- cmp "$f" "$tmp/w_$m/b/$(basename "$f")"
  done
  expect 0 "" -- test "$(ls "$tmp/w_$m"/a/*.npy | wc -l)" -eq "$(ls "$tmp/w_$m"/b/*.npy | wc -l)"
done
expect 0 "uint8 asym" -- "$q" networks --net "$tmp/w_qdq_cnn/qdq_cnn.yaml"
expect 2 "--bits does not apply" -- "$q" infer --net "$tmp/w_qdq_cnn/qdq_cnn.yaml" --bits w4a4

# A QONNX model (4-bit, binary weights): the SystemC cycle model agrees with golden bit for bit.
expect 0 "int4 sym per-channel" -- "$q" networks --net "$data/qonnx_cnn.onnx"
expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
  --net "$data/qonnx_cnn.onnx" --arch bitfusion_16x32 --backend systemc

# QONNX Trunc, com.microsoft QGemm, QLinearMatMul of two tensors, ConvInteger and MatMulInteger
# (int32 accumulator outputs): the cycle model agrees with golden bit for bit (uint8 activations
# need more than the presets' 8-bit MACs: a 16-bit copy).
for m in qonnx_trunc_v1 qonnx_trunc_v2; do
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$data/$m.onnx" --arch bitfusion_16x32 --backend systemc
done
sed 's/_bits: 8/_bits: 16/' "$src/workloads/accelerators/edge_32x32_os.yaml" > "$tmp/edge16.yaml"
for m in qgemm qlinear_matmul2 integer_ops; do
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$data/$m.onnx" --arch "$tmp/edge16.yaml" --backend systemc
done
# The written quantized networks run on the analytical model and on the SystemC cycle model,
# bit for bit with golden.
expect 0 "" -- "$q" run --net "$tmp/w_qonnx_cnn/qonnx_cnn.yaml" --arch bitfusion_16x32
for m in qonnx_cnn qonnx_trunc_v1; do
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$tmp/w_$m/$m.yaml" --arch bitfusion_16x32 --backend systemc
done
for m in qdq_cnn qgemm qlinear_matmul2; do
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$tmp/w_$m/$m.yaml" --arch "$tmp/edge16.yaml" --backend systemc
done
# Nearest and bilinear resizes (resize_cnn.onnx): infer, the analytical model, the SystemC cycle
# model bit for bit with golden, and the network written out gives the same golden run.
expect 0 "resize_nearest" -- "$q" networks --net "$data/resize_cnn.onnx"
expect 0 "" -- "$q" run --net "$data/resize_cnn.onnx" --arch edge_32x32_os
expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
  --net "$data/resize_cnn.onnx" --arch edge_32x32_os --backend systemc
expect 0 "" -- "$q" import-onnx "$data/resize_cnn.onnx" -o "$tmp/resize"
same_golden "$data/resize_cnn.onnx" "$tmp/resize/resize_cnn.yaml" resize

# Transposed convolutions (convtranspose_cnn.onnx): the MACs of the zero-inserted lowering, the
# analytical model, the SystemC cycle model bit for bit with golden (output-, weight- and
# input-stationary arrays), and the network written out gives the same golden run.
expect 0 "total: 60480 MACs" -- "$q" networks --net "$data/convtranspose_cnn.onnx"
expect 0 "" -- "$q" compile --net "$data/convtranspose_cnn.onnx" --arch edge_32x32_os \
  --out "$tmp/convt_schedule.json"
expect 0 "" -- "$q" run --net "$data/convtranspose_cnn.onnx" --arch edge_32x32_os
for arch in edge_32x32_os bitfusion_16x32 rtl_4x4_is; do
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$data/convtranspose_cnn.onnx" --arch "$arch" --backend systemc
done
# A 14-bit accumulator overflows in every transposed layer: wrapped and saturated outputs still
# agree bit for bit, as the cycle model adds in the golden kernel's order.
for mode in wrap saturate; do
  sed "s/accumulator: {bits: 32, overflow: wrap}/accumulator: {bits: 14, overflow: $mode}/" \
    "$src/workloads/accelerators/edge_32x32_os.yaml" > "$tmp/acc14.yaml"
  expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run \
    --net "$data/convtranspose_cnn.onnx" --arch "$tmp/acc14.yaml" --backend systemc
done
expect 0 "" -- "$q" import-onnx "$data/convtranspose_cnn.onnx" -o "$tmp/convt"
expect 0 "output_padding: [1, 0]" -- cat "$tmp/convt/convtranspose_cnn.yaml"
same_golden "$data/convtranspose_cnn.onnx" "$tmp/convt/convtranspose_cnn.yaml" convt

# Decoder blocks exported from PyTorch (workloads/onnx/export_decoder_block.py), prefill (S 16)
# and decode (one token over a KV cache of L 16, given as the graph inputs past_key and
# past_value): the imported tiny blocks have the MACs and parameters of the zoo's blocks of the
# same dimensions and phase (the decode block's cache concats cost no MACs), their fused ops
# written out read back to the same golden run, and they run on the cycle model bit-exactly.
for b in "gpt2 gpt2_block hidden=64,heads=4,ffn=128" \
         "llama llama_block hidden=64,heads=4,kv_heads=2,ffn=128"; do
  read -r fam zoo dims <<< "$b"
  for phase in prefill decode; do
    if [ "$phase" = prefill ]; then
      stem=decoder_${fam}_tiny
      zoo_args=(--seq 16)
    else
      stem=decoder_${fam}_tiny_decode
      zoo_args=(--phase decode --context 16)
    fi
    f="$data/$stem.onnx"
    zoo_total=$("$q" networks --net "$zoo" "${zoo_args[@]}" --dims "$dims" | grep '^total:')
    expect 0 "" -- test -n "$zoo_total"
    expect 0 "$zoo_total" -- "$q" networks --net "$f"
    expect 0 "" -- "$q" import-onnx --check "$f"
    expect 0 "" -- "$q" import-onnx "$f" -o "$tmp/$stem"
    same_golden "$f" "$tmp/$stem/$stem.yaml" "$stem"
    expect 0 "" -- "$q" run --net "$f" --arch tpu_like_128x128_ws
    expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run --net "$f" \
      --arch edge_32x32_os --backend systemc
  done
done
expect 0 "op: gelu" -- cat "$tmp/decoder_gpt2_tiny/decoder_gpt2_tiny.yaml"
expect 0 "op: rotary_embedding, input: /Transpose, base: 10000" -- \
  cat "$tmp/decoder_llama_tiny/decoder_llama_tiny.yaml"
expect 0 "op: rms_norm, inputs: [x, input_norm.weight]" -- \
  cat "$tmp/decoder_llama_tiny/decoder_llama_tiny.yaml"
expect 0 "op: silu" -- cat "$tmp/decoder_llama_tiny/decoder_llama_tiny.yaml"
# The cache read in place: each input read by a matmul (past_key as K^T), never copied.
for stem in decoder_gpt2_tiny_decode decoder_llama_tiny_decode; do
  expect 0 "{name: /MatMul/past, op: matmul, inputs: [" -- cat "$tmp/$stem/$stem.yaml"
  expect 0 "past_key], transpose_b: true" -- cat "$tmp/$stem/$stem.yaml"
  expect 0 "op: matmul, inputs: [/MatMul_1/weights_past, past_value]" -- cat "$tmp/$stem/$stem.yaml"
  expect 1 "" -- grep -q "op: concat, inputs: \\[past_" "$tmp/$stem/$stem.yaml"
done
expect 0 "op: rotary_embedding, input: /Transpose, base: 10000, position_offset: 16" -- \
  cat "$tmp/decoder_llama_tiny_decode/decoder_llama_tiny_decode.yaml"

# Bad files: named, exit 2, never a crash.
head -c 1000 "$data/tiny_cnn.onnx" > "$tmp/cut.onnx"
expect 2 "cut.onnx" -- "$q" networks --net "$tmp/cut.onnx"
echo "not a model" > "$tmp/text.onnx"
expect 2 "text.onnx" -- "$q" run --net "$tmp/text.onnx" --arch edge_32x32_os
expect 2 "-o DIR" -- "$q" import-onnx "$data/tiny_cnn.onnx"
finish
