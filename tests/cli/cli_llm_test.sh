#!/usr/bin/env bash
# End-to-end checks of the generated decoder blocks (docs/llm.md): `--net gpt2_block` and
# `--net llama_block` in run, compile, compare and networks; the phase figures of the run report
# against their definitions from the same run's cycles and energy; option errors (exit 2).
# Usage: cli_llm_test.sh <quasar binary> <source dir>
set -u
q=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

small=(--dims hidden=64,heads=4,kv_heads=2,ffn=128)

# Decode: tokens/s = clock / cycles, J/token = energy, the DRAM-bound cycles those of the
# layers whose DRAM time exceeds their compute and post-processing time.
"$q" run --arch edge_32x32_os --net llama_block --phase decode --context 32 --kv-bits 4 \
  "${small[@]}" --format json > "$tmp/decode.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t, m = d["totals"], d["llm"]
assert d["status"] == "ok", d["status"]
assert m["phase"] == "decode" and m["new_tokens"] == 1 and m["positions"] == 33, m
assert m["context"] == 32 and m["kv_bits"] == 4 and m["time_to_first_token_s"] is None, m
assert abs(m["tokens_per_s"] - t["clock_hz"] / t["cycles"]) <= 1e-9 * m["tokens_per_s"], m
assert abs(m["joules_per_token"] - t["energy_pj"] * 1e-12) <= 1e-9 * m["joules_per_token"], m
bound = sum(l["cycles"] for l in d["layers"]
            if l["dram_cycles"] > max(l["compute_cycles"], l["post_cycles"]))
assert m["dram_bound_cycles"] == bound, (m, bound)
assert abs(m["dram_bound_fraction"] - bound / t["cycles"]) <= 1e-12, m
names = [l["name"] for l in d["layers"]]
assert "self_attn.scores_past" in names and "mlp.down_proj" in names, names
sc = {l["name"]: l for l in d["layers"]}
# [kv, g*T, d] x [kv, d, L+1], split at the cache: 2 GEMMs of 2 x 16 x 32 and 2 of 2 x 16 x 1
assert sc["self_attn.scores_past"]["gemm"] == {"count": 2, "m": 2, "k": 16, "n": 32}, sc
assert sc["self_attn.scores_new"]["gemm"] == {"count": 2, "m": 2, "k": 16, "n": 1}, sc
' "$tmp/decode.json"

# A cache stored in a number format (--kv-format): the layers reading it move the format's bytes
# and multiply at the activations' (or --kv-bits') widths. scores_past reads K^T [2, 16, 32] as
# B: in MXFP4, 4 bits and one E8M0 scale per column of K (16 < 32: one block), 2 x (16 x 32 x 4
# + 32 x 8) / 8 = 576 bytes instead of 2 x 16 x 32 = 1,024; context_past reads V [2, 32, 16]:
# 2 x (32 x 16 x 4 + 16 x 8) / 8 = 544 instead of 1,024. FP8 moves int8's bytes.
for f in none fp8 mxfp4; do
  opt=(); [ "$f" != none ] && opt=(--kv-format "$f")
  "$q" run --arch edge_32x32_os --net llama_block --phase decode --context 32 "${small[@]}" \
    "${opt[@]}" --format json > "$tmp/kv_$f.json"
done
expect 0 "" -- python3 -c '
import json, sys
runs = {f: json.load(open(sys.argv[1] + "/kv_" + f + ".json")) for f in ("none", "fp8", "mxfp4")}
layer = lambda f, n: [l for l in runs[f]["layers"] if l["name"] == n][0]["events"]
for n, drop in (("self_attn.scores_past", 1024 - 576), ("self_attn.context_past", 1024 - 544)):
    assert layer("none", n)["dram_read_bytes"] - layer("mxfp4", n)["dram_read_bytes"] == drop, n
    assert layer("fp8", n)["dram_read_bytes"] == layer("none", n)["dram_read_bytes"], n
    assert layer("mxfp4", n)["mac_w_bits"] == layer("none", n)["mac_w_bits"] == 8, n
assert runs["mxfp4"]["llm"]["kv_format"] == "mxfp4_e2m1", runs["mxfp4"]["llm"]
assert runs["fp8"]["llm"]["kv_format"] == "fp8_e4m3" and runs["none"]["llm"]["kv_format"] is None
' "$tmp"
expect 0 "KV cache of 32 tokens, stored in mxfp4_e2m1, read at 4 bits)" -- "$q" run \
  --arch edge_32x32_os --net llama_block --phase decode --context 32 --kv-format mxfp4 \
  --kv-bits 4 "${small[@]}"
# The golden run and the cycle model read the stored values: bit-exact on the SystemC model.
expect 0 "BIT-EXACT" -- env SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$q" run --arch edge_32x32_os \
  --net llama_block --phase decode --context 16 --kv-format fp8 "${small[@]}" --backend systemc

# Decode reads the KV cache once: doubling L from 256 to 512 adds the cache's 256 more positions,
# 2 * kv * d * 256 elements at --kv-bits, to the DRAM traffic, plus the scores' few elements per
# position (kv * g = 4 per layer that moves them, 11 such moves at 8 bits: 4% here), not the three
# passes of a cache copied by a concat. The cache's bits change nothing else: 8 against 4 bits
# differ by half the cache's growth.
wide=(--dims hidden=512,heads=4,kv_heads=4,ffn=128)  # d = 128, g = 1
for L in 256 512; do
  for b in 8 4; do
    "$q" run --arch edge_32x32_os --net llama_block --phase decode --context $L --kv-bits $b \
      "${wide[@]}" --format json > "$tmp/kv_${L}_$b.json"
  done
done
expect 0 "" -- python3 -c '
import json, sys
def dram(L, b):
    t = json.load(open("%s/kv_%d_%d.json" % (sys.argv[1], L, b)))["totals"]
    return t["dram_read_bytes"] + t["dram_write_bytes"]
kv, d = 4, 128
growth = {b: dram(512, b) - dram(256, b) for b in (8, 4)}
for b in (8, 4):
    cache = 2 * kv * d * 256 * b // 8
    assert cache <= growth[b] <= 1.25 * cache, (b, growth[b], cache)
half = 2 * kv * d * 256 // 2
assert abs(growth[8] - growth[4] - half) <= 0.01 * half, (growth, half)
' "$tmp"

# Prefill: the time to first token is the block's latency, tokens/s = S / latency,
# J/token = energy / S.
"$q" run --arch edge_32x32_os --net gpt2_block --seq 16 --dims hidden=64,heads=4,ffn=128 \
  --format json > "$tmp/prefill.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t, m = d["totals"], d["llm"]
lat = t["cycles"] / t["clock_hz"]
assert m["phase"] == "prefill" and m["new_tokens"] == 16 and m["context"] is None, m
assert abs(m["time_to_first_token_s"] - lat) <= 1e-12 * lat + 1e-18, m
assert abs(m["tokens_per_s"] - 16 / lat) <= 1e-9 * m["tokens_per_s"], m
assert abs(m["joules_per_token"] - t["energy_pj"] * 1e-12 / 16) <= 1e-9 * m["joules_per_token"]
' "$tmp/prefill.json"

# The table says the same; a zoo network's report has no phase lines.
expect 0 "tokens/s" -- "$q" run --arch edge_32x32_os --net llama_block --phase decode \
  --context 32 "${small[@]}"
expect 0 "DRAM-bound" -- "$q" run --arch edge_32x32_os --net llama_block --phase decode \
  --context 32 "${small[@]}"
expect 0 "time to first token" -- "$q" run --arch edge_32x32_os --net gpt2_block --seq 8 \
  --dims hidden=64,heads=4,ffn=128
"$q" run --arch edge_32x32_os --net lenet5 > "$tmp/lenet.txt" 2>&1
expect 1 "" -- grep -q "tokens/s" "$tmp/lenet.txt"

# With values: the cycle model runs a tiny decode block bit-exactly against the golden reference
# (a 4-bit cache, RoPE at position 8).
if "$q" backends | grep -q "^systemc"; then
  expect 0 "0 mismatches: BIT-EXACT" -- "$q" run --arch edge_32x32_os --net llama_block \
    --phase decode --context 8 --kv-bits 4 --dims hidden=32,heads=4,kv_heads=2,ffn=64 \
    --backend systemc
fi

# compile and compare take the same options.
expect 0 "schedule written" -- "$q" compile --arch edge_32x32_os --net llama_block \
  --phase decode --context 32 "${small[@]}" --out "$tmp/s.json"
expect 0 "TOTAL" -- "$q" run --arch edge_32x32_os --net llama_block --phase decode \
  --context 32 "${small[@]}" --schedule "$tmp/s.json"
expect 0 "tokens/s" -- "$q" compare --arch edge_32x32_os --net llama_block --phase decode \
  --context 32 "${small[@]}" --precisions w8a8,w4a8 --no-fidelity --view same-array
# compare's w8a8 column is run's w8a8 run: the same tokens/s, J/token and DRAM-bound share.
"$q" compare --arch edge_32x32_os --net llama_block --phase decode --context 32 --kv-bits 4 \
  "${small[@]}" --precisions w8a8 --no-fidelity --view same-array --format json \
  > "$tmp/cmp.json"
expect 0 "" -- python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["same_array"][0]["metrics"]
r = json.load(open(sys.argv[2]))
m = r["llm"]
assert abs(c["tokens_per_s"] - m["tokens_per_s"]) <= 1e-9 * m["tokens_per_s"], (c, m)
assert abs(c["mj_per_token"] - 1e3 * m["joules_per_token"]) <= 1e-9 * c["mj_per_token"], (c, m)
assert abs(c["dram_bound_pct"] - 100 * m["dram_bound_fraction"]) <= 1e-9, (c, m)
assert "time_to_first_token_ms" not in c, c
' "$tmp/cmp.json" "$tmp/decode.json"

# networks: --emit writes YAML that reads back with the same MACs; the zoo list names the blocks.
expect 0 "" -- "$q" networks --emit llama_block --phase decode --context 32 "${small[@]}" \
  -o "$tmp/block.yaml"
expect 0 "position_offset: 32" -- cat "$tmp/block.yaml"
expect 0 "self_attn.scores_past" -- "$q" networks --net "$tmp/block.yaml"
a=$("$q" networks --net "$tmp/block.yaml" --format json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["macs"])')
b=$("$q" networks --net llama_block --phase decode --context 32 "${small[@]}" --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["macs"])')
expect 0 "" -- test "$a" = "$b"
expect 0 "version: 1" -- "$q" networks --emit gpt2_block --seq 4
expect 0 "llama_block" -- "$q" networks

# Errors name the option and value.
expect 2 "--phase must be prefill or decode, got 'sideways'" -- "$q" run --arch edge_32x32_os \
  --net llama_block --phase sideways
expect 2 "--context must be in 1.." -- "$q" run --arch edge_32x32_os --net llama_block \
  --phase decode --context 0
expect 2 "--phase decode needs --context" -- "$q" run --arch edge_32x32_os --net llama_block \
  --phase decode
expect 2 "--context applies to --phase decode" -- "$q" run --arch edge_32x32_os \
  --net gpt2_block --context 5
expect 2 "--seq 4 applies to --phase prefill" -- "$q" run --arch edge_32x32_os \
  --net gpt2_block --phase decode --context 5 --seq 4
expect 2 "--kv-bits must be in 1..16, got 0" -- "$q" run --arch edge_32x32_os --net gpt2_block \
  --phase decode --context 5 --kv-bits 0
expect 2 "--kv-format must be a number format" -- "$q" run --arch edge_32x32_os \
  --net llama_block --phase decode --context 8 --kv-format int4 "${small[@]}"
expect 2 "--kv-format applies to --phase decode" -- "$q" run --arch edge_32x32_os \
  --net llama_block --kv-format fp8 "${small[@]}"
expect 2 "--seq must be in 1.." -- "$q" compile --arch edge_32x32_os --net gpt2_block --seq 0 \
  --out "$tmp/x.json"
expect 2 "--phase applies to the generated decoder blocks" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --phase decode
expect 2 "--dims 'width=3'" -- "$q" run --arch edge_32x32_os --net gpt2_block --dims width=3
expect 2 "kv_heads must divide heads 4" -- "$q" run --arch edge_32x32_os --net llama_block \
  --dims hidden=64,heads=4,kv_heads=3
expect 2 "--emit must name a generated block" -- "$q" networks --emit lenet5

# A model of N blocks (--blocks): N times the time and the energy of the same block's run, the
# same DRAM-bound share; the block itself (cycles, layers) unchanged. The option belongs to run
# and compare, which report these figures.
for n in 1 12; do
  "$q" run --arch edge_32x32_os --net llama_block --seq 8 "${small[@]}" --blocks "$n" \
    --format json > "$tmp/prefill_$n.json"
  "$q" run --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" \
    --blocks "$n" --format json > "$tmp/decode_$n.json"
  "$q" compare --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" \
    --precisions w8a8,w4a4 --no-fidelity --blocks "$n" --format json > "$tmp/compare_$n.json"
done
expect 0 "" -- python3 -c '
import json, sys
rd = lambda name: json.load(open(sys.argv[1] + "/" + name + ".json"))
close = lambda a, b: abs(a - b) <= 1e-12 * abs(b)
for phase in ("prefill", "decode"):
    one, many = rd(phase + "_1"), rd(phase + "_12")
    assert one["totals"] == many["totals"] and one["layers"] == many["layers"], phase
    a, b = one["llm"], many["llm"]
    assert a["blocks"] == 1 and b["blocks"] == 12, (a, b)
    assert close(b["tokens_per_s"] * 12, a["tokens_per_s"]), (a, b)
    assert close(b["joules_per_token"], 12 * a["joules_per_token"]), (a, b)
    assert b["dram_bound_cycles"] == a["dram_bound_cycles"], (a, b)  # of one block
    assert b["dram_bound_fraction"] == a["dram_bound_fraction"], (a, b)
    if phase == "prefill":
        cycles, clock = one["totals"]["cycles"], one["totals"]["clock_hz"]
        assert close(b["time_to_first_token_s"], 12 * cycles / clock), (b, cycles, clock)
c1, c12 = rd("compare_1"), rd("compare_12")
assert c1["blocks"] == 1 and c12["blocks"] == 12, (c1["blocks"], c12["blocks"])
for x, y in zip(c1["same_array"] + c1["iso_area"], c12["same_array"] + c12["iso_area"]):
    assert close(y["metrics"]["tokens_per_s"] * 12, x["metrics"]["tokens_per_s"]), (x, y)
    assert close(y["metrics"]["mj_per_token"], 12 * x["metrics"]["mj_per_token"]), (x, y)
    assert y["metrics"]["latency_ms"] == x["metrics"]["latency_ms"], (x, y)
' "$tmp"
expect 0 "mJ/token (12 blocks, one after another)" -- "$q" run --arch edge_32x32_os \
  --net llama_block --phase decode --context 8 "${small[@]}" --blocks 12
expect 0 "12 blocks one after another" -- "$q" compare --arch edge_32x32_os --net llama_block \
  --phase decode --context 8 "${small[@]}" --precisions w8a8 --no-fidelity --blocks 12
expect 2 "--blocks must be in 1..1024, got 0" -- "$q" run --arch edge_32x32_os \
  --net llama_block "${small[@]}" --blocks 0
expect 2 "--blocks must be in 1..1024, got 1025" -- "$q" compare --arch edge_32x32_os \
  --net llama_block "${small[@]}" --precisions w8a8 --no-fidelity --blocks 1025
expect 2 "--blocks applies to the generated decoder blocks" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --blocks 2
expect 2 "the CSV has one row per layer" -- "$q" run --arch edge_32x32_os --net llama_block \
  "${small[@]}" --blocks 2 --format csv
expect 0 "in one block)" -- "$q" run --arch edge_32x32_os --net llama_block "${small[@]}" \
  --blocks 2
# compare's CSV says how many blocks its LLM columns are for.
expect 0 "" -- python3 -c '
import csv, io, subprocess, sys
out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout
rows = list(csv.DictReader(io.StringIO(out)))
assert rows and all(r["blocks"] == "12" for r in rows), rows
' "$q" compare --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" \
  --precisions w8a8 --no-fidelity --blocks 12 --format csv
# An infeasible run (FP8 on an integer MAC) has no LLM figures: null, not 0.
"$q" run --arch edge_32x32_os --net llama_block "${small[@]}" --bits fp8 --blocks 4 \
  --format json > "$tmp/infeasible.json"
expect 0 "" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["llm"]
assert d["status"] != "ok", d["status"]
assert m["blocks"] == 4 and m["tokens_per_s"] is None and m["joules_per_token"] is None, m
assert m["time_to_first_token_s"] is None and m["dram_bound_fraction"] is None, m
' "$tmp/infeasible.json"
expect 2 "--blocks" -- "$q" infer --net llama_block "${small[@]}" --blocks 2

# The model's end (--lm-head): the block's layers as without it, then the last token's final
# norm and LM head, counted once after the N blocks: tokens/s = clock / (N x the block's cycles
# + the end's), J/token and the DRAM-bound share likewise.
small_v=(--dims hidden=64,heads=4,kv_heads=2,ffn=128,vocab=1000)
for phase in prefill decode; do
  args=(--arch edge_32x32_os --net gpt2_block)
  [ "$phase" = decode ] && args+=(--phase decode --context 8) || args+=(--seq 8)
  "$q" run "${args[@]}" --dims hidden=64,heads=4,ffn=128 --blocks 12 --format json \
    > "$tmp/end_no_$phase.json"
  "$q" run "${args[@]}" --dims hidden=64,heads=4,ffn=128,vocab=1000 --blocks 12 --lm-head \
    --format json > "$tmp/end_$phase.json"
done
expect 0 "" -- python3 -c '
import json, sys
close = lambda a, b: abs(a - b) <= 1e-12 * abs(b)
for phase in ("prefill", "decode"):
    rd = lambda name: json.load(open(sys.argv[1] + "/" + name + "_" + phase + ".json"))
    no, d = rd("end_no"), rd("end")
    m, t = d["llm"], d["totals"]
    assert m["lm_head"] is True and m["vocab"] == 1000 and no["llm"]["lm_head"] is False, m
    assert no["llm"]["vocab"] is None and no["llm"]["lm_head_cycles"] is None, no["llm"]
    n = len(no["layers"])
    assert d["layers"][:n] == no["layers"], phase  # the block is unchanged
    end = d["layers"][n:]
    names = [l["name"] for l in end]
    first = ["last_token"] if phase == "prefill" else []
    assert names == first + ["ln_f.mean", "ln_f.centered", "ln_f", "lm_head"], names
    head = end[-1]
    assert head["gemm"] == {"count": 1, "m": 1, "k": 64, "n": 1000}, head["gemm"]
    end_cycles = sum(l["cycles"] for l in end)
    assert m["lm_head_cycles"] == end_cycles, (m, end_cycles)
    block_cycles = t["cycles"] - end_cycles
    assert block_cycles == no["totals"]["cycles"], (block_cycles, no["totals"])
    model = 12 * block_cycles + end_cycles
    tokens = 8 if phase == "prefill" else 1
    assert close(m["tokens_per_s"], tokens * t["clock_hz"] / model), (m, model)
    end_pj = sum(l["energy_pj"]["total"] for l in end)
    e = 12 * (t["energy_pj"] - end_pj) + end_pj
    assert close(m["joules_per_token"], e * 1e-12 / tokens), (m, e)
    bound = lambda l: l["dram_cycles"] > max(l["compute_cycles"], l["post_cycles"])
    b_end = sum(l["cycles"] for l in end if bound(l))
    b_all = sum(l["cycles"] for l in d["layers"] if bound(l))
    assert m["dram_bound_cycles"] == b_all, m
    assert close(m["dram_bound_fraction"], (12 * (b_all - b_end) + b_end) / model), m
    if phase == "prefill":
        assert close(m["time_to_first_token_s"], model / t["clock_hz"]), m
' "$tmp"
expect 0 "mJ/token (12 blocks and the LM head, one after another)" -- "$q" run \
  --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small_v[@]}" --blocks 12 \
  --lm-head
expect 0 "12 blocks and the LM head, one after another" -- "$q" compare --arch edge_32x32_os \
  --net llama_block --phase decode --context 8 "${small_v[@]}" --precisions w8a8 --no-fidelity \
  --blocks 12 --lm-head
expect 0 "lm_head" -- "$q" networks --net llama_block "${small_v[@]}" --lm-head
expect 2 "--dims vocab=1000 sizes the LM head, which only --lm-head adds" -- "$q" run \
  --arch edge_32x32_os --net llama_block "${small_v[@]}"
expect 2 "--lm-head applies to the generated decoder blocks" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --lm-head

# A batch of B sequences (--batch): every MAC B times, each weight read once, B x T new tokens
# per run; the table says how many sequences.
for b in 1 4; do
  "$q" run --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" \
    --batch "$b" --format json > "$tmp/batch_$b.json"
done
expect 0 "" -- python3 -c '
import json, sys
rd = lambda b: json.load(open(sys.argv[1] + "/batch_" + str(b) + ".json"))
one, four = rd(1), rd(4)
close = lambda a, b: abs(a - b) <= 1e-12 * abs(b)
assert one["llm"]["batch"] == 1 and four["llm"]["batch"] == 4, four["llm"]
assert one["llm"]["new_tokens"] == 1 and four["llm"]["new_tokens"] == 4, four["llm"]
t = four["totals"]
assert t["macs"] == 4 * one["totals"]["macs"], (t, one["totals"])
assert close(four["llm"]["tokens_per_s"], 4 * t["clock_hz"] / t["cycles"]), four["llm"]
assert close(four["llm"]["joules_per_token"], t["energy_pj"] * 1e-12 / 4), four["llm"]
layers = {l["name"]: l for l in four["layers"]}
# A projection: M = B rows; the cache matmuls: B x kv GEMMs, each over the cache alone.
assert layers["self_attn.q_proj"]["gemm"]["m"] == 4, layers["self_attn.q_proj"]["gemm"]
assert layers["self_attn.scores_past"]["gemm"] == {"count": 8, "m": 2, "k": 16, "n": 8}, layers
# The weights are read once: the batch reads more than one sequence (its activations and its
# caches) but less than four runs of one.
r1, r4 = one["totals"]["dram_read_bytes"], t["dram_read_bytes"]
assert r1 < r4 < 4 * r1, (r1, r4)
' "$tmp"
expect 0 "decode: 4 sequences, each 1 new token over 9 positions" -- "$q" run \
  --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" --batch 4
expect 0 "prefill: 2 sequences, each 8 new tokens" -- "$q" run --arch edge_32x32_os \
  --net gpt2_block --dims hidden=64,heads=4,ffn=128 --seq 8 --batch 2
expect 2 "--batch must be in 1.." -- "$q" run --arch edge_32x32_os --net llama_block \
  "${small[@]}" --batch 0
expect 2 "--batch applies to the generated decoder blocks" -- "$q" run --arch edge_32x32_os \
  --net lenet5 --batch 2
# The bound is the format's (2^40 elements a tensor, 2^50 MACs a layer), checked by name.
expect 2 "--batch must be in 1.." -- "$q" run --arch edge_32x32_os --net llama_block \
  --phase decode --context 4096 --batch 1000000
expect 2 "--dims vocab=0: not a positive integer" -- "$q" run --arch edge_32x32_os \
  --net llama_block "${small[@]/ffn=128/ffn=128,vocab=0}" --lm-head
# compare records the batch its LLM rows count.
expect 0 "" -- python3 -c '
import csv, io, json, subprocess, sys
out = subprocess.run(sys.argv[1:] + ["--format", "csv"], check=True, capture_output=True,
                     text=True).stdout
rows = list(csv.DictReader(io.StringIO(out)))
assert rows and all(r["batch"] == "4" and r["lm_head"] == "0" for r in rows), rows
j = json.loads(subprocess.run(sys.argv[1:] + ["--format", "json"], check=True,
                              capture_output=True, text=True).stdout)
assert j["batch"] == 4 and j["lm_head"] is False, (j["batch"], j["lm_head"])
' "$q" compare --arch edge_32x32_os --net llama_block --phase decode --context 8 "${small[@]}" \
  --precisions w8a8 --no-fidelity --batch 4

# Prefill in query chunks (--query-chunks): chunk i's queries over positions [0, (i + 1) S / C)
# only; the attention's MACs fall from S^2 to (S / C)^2 C (C + 1) / 2 per head, the rest stays.
for ch in 1 4; do
  "$q" run --arch edge_32x32_os --net llama_block --seq 16 "${small[@]}" --query-chunks "$ch" \
    --format json > "$tmp/chunks_$ch.json"
done
expect 0 "" -- python3 -c '
import json, sys
rd = lambda c: json.load(open(sys.argv[1] + "/chunks_" + str(c) + ".json"))
one, four = rd(1), rd(4)
heads, d, s, c = 4, 16, 16, 4
full = 2 * heads * d * s * s                            # scores and context, all S x S
chunked = 2 * heads * d * (s // c) ** 2 * c * (c + 1) // 2
assert one["totals"]["macs"] - four["totals"]["macs"] == full - chunked, (one["totals"], four["totals"])
names = [l["name"] for l in four["layers"]]
assert "self_attn.chunk3.scores" in names and "self_attn.scores" not in names, names
assert four["network"] == "llama_block_prefill_s16_c4", four["network"]
' "$tmp"
expect 2 "--query-chunks must divide --seq 16, got 3" -- "$q" run --arch edge_32x32_os \
  --net llama_block --seq 16 "${small[@]}" --query-chunks 3
expect 2 "--query-chunks 2 applies to --phase prefill" -- "$q" run --arch edge_32x32_os \
  --net llama_block --phase decode --context 8 "${small[@]}" --query-chunks 2
finish
