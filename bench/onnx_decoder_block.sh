#!/usr/bin/env bash
# Decoder blocks through ONNX import against the zoo's: GPT-2 small (d 768, 12 heads, MLP 3072)
# and the zoo's Llama-style block (d 4096, 32 heads, 8 KV heads, MLP 14336), prefill of S
# tokens, exported with synthetic seeded weights by workloads/onnx/export_decoder_block.py into
# DIR when absent (needs Debian's python3-torch; the Llama file is about 0.9 GB). Per block: the
# imported network's layers, MACs, `quasar run` cycles (and the post unit's) and energy on ARCH, beside the zoo's
# `--net gpt2_block|llama_block --seq S` (docs/llm.md).
# Usage: bench/onnx_decoder_block.sh QUASAR_BINARY [DIR] [S] [ARCH]   Results: docs/llm.md.
set -euo pipefail
q=$(realpath "$1")
dir=${2:-build/onnx-models}
seq=${3:-128}
arch=${4:-tpu_like_128x128_ws}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
summary() {  # layers, MACs, cycles and post-unit cycles of one `quasar run --format json` report
  /usr/bin/python3 -c "
import json, sys
t = json.load(sys.stdin)['totals']
print(t['layers'], t['macs'], t['cycles'], t['post_cycles'], t['energy_pj'] / 1e6)"
}
row() { printf '%-12s %-6s %7s %14s %10s %10s %12.1f\n' "$@"; }
printf '%-12s %-6s %7s %14s %10s %10s %12s\n' block source layers MACs cycles post "energy uJ"
for fam in gpt2 llama; do
  if [ "$fam" = gpt2 ]; then size=--gpt2-small; stem=decoder_gpt2_small_s$seq; zoo=gpt2_block
  else size=--llama-zoo; stem=decoder_llama_zoo_s$seq; zoo=llama_block; fi
  [ -f "$dir/$stem.onnx" ] ||
    /usr/bin/python3 "$here/../workloads/onnx/export_decoder_block.py" --out-dir "$dir" \
      --family "$fam" $size --seq "$seq" --no-data --name "$stem" >&2
  row "$zoo" onnx $("$q" run --arch "$arch" --net "$dir/$stem.onnx" --format json | summary)
  row "$zoo" zoo $("$q" run --arch "$arch" --net "$zoo" --seq "$seq" --format json | summary)
done
