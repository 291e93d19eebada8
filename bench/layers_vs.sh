#!/usr/bin/env bash
# Per-layer cycles of two quasar binaries (or two search options) on every network of the zoo
# and every accelerator preset: how many GEMM layer cases B maps faster or slower than A, the
# median and largest saving, and the summed cycles. For "does the new mapper make any layer
# slower?" (docs/benchmarks.md, "Mapper searches").
# Usage: bench/layers_vs.sh QUASAR_A QUASAR_B ['RUN OPTIONS A' ['RUN OPTIONS B']]
#   e.g. bench/layers_vs.sh OLD/quasar build/cli/quasar
#        bench/layers_vs.sh build/cli/quasar build/cli/quasar '--search fast'
set -euo pipefail
[ $# -ge 2 ] && [ $# -le 4 ] ||
  { echo "usage: $0 QUASAR_A QUASAR_B ['RUN OPTIONS A' ['RUN OPTIONS B']]" >&2; exit 2; }
qa=$(realpath "$1") qb=$(realpath "$2") oa=${3:-} ob=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nets=$(cd "$root/workloads/networks" && ls ./*.yaml | sed 's|^\./||; s|\.yaml$||')
arches=$(cd "$root/workloads/accelerators" && ls ./*.yaml | sed 's|^\./||; s|\.yaml$||')
cd "$root"
for n in $nets; do
  for a in $arches; do
    # The options are split into words on purpose.
    # shellcheck disable=SC2086
    "$qa" run --net "$n" --arch "$a" --format json $oa > "$tmp/a.$n.$a.json" 2> /dev/null || true
    # shellcheck disable=SC2086
    "$qb" run --net "$n" --arch "$a" --format json $ob > "$tmp/b.$n.$a.json" 2> /dev/null || true
  done
done
python3 - "$tmp" <<'PY'
import glob, json, os, statistics, sys
tmp = sys.argv[1]
cases = layers = 0
faster, slower, skipped = [], [], []
total_a = total_b = 0
for fa in sorted(glob.glob(os.path.join(tmp, "a.*.json"))):
    fb = fa.replace(os.sep + "a.", os.sep + "b.")
    try:
        a, b = json.load(open(fa)), json.load(open(fb))
    except (OSError, ValueError):
        skipped.append(os.path.basename(fa)[2:-5])  # a run that failed or is infeasible
        continue
    if a["status"] != "ok" or b["status"] != "ok" or len(a["layers"]) != len(b["layers"]):
        skipped.append(os.path.basename(fa)[2:-5])
        continue
    cases += 1
    total_a += a["totals"]["cycles"]
    total_b += b["totals"]["cycles"]
    for x, y in zip(a["layers"], b["layers"]):
        if x["kind"] != "gemm":
            continue
        layers += 1
        case = (os.path.basename(fa)[2:-5], x["name"], x["cycles"], y["cycles"])
        if y["cycles"] < x["cycles"]:
            faster.append((1 - y["cycles"] / x["cycles"], case))
        elif y["cycles"] > x["cycles"]:
            slower.append((y["cycles"] / x["cycles"] - 1, case))
print(f"network x preset cases: {cases} (skipped: {', '.join(skipped) or 'none'})")
if cases == 0:
    sys.exit("no case ran with both binaries")
print(f"GEMM layer cases: {layers}; B faster: {len(faster)}; B slower: {len(slower)}")
if faster:
    best = max(faster)
    print(f"saving: median {100 * statistics.median(s for s, _ in faster):.2f} %, "
          f"largest {100 * best[0]:.1f} % ({best[1][0]} {best[1][1]}: {best[1][2]} -> {best[1][3]} cycles)")
for loss, case in sorted(slower, reverse=True)[:20]:
    print(f"slower by {100 * loss:.2f} %: {case[0]} {case[1]}: {case[2]} -> {case[3]} cycles")
print(f"summed cycles: A {total_a}, B {total_b} ({100 * (total_b / total_a - 1):+.3f} %)")
PY
