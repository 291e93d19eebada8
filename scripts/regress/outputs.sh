#!/usr/bin/env bash
# Runs a fixed list of quasar commands (run, compile, compare, sweep, run --backend systemc,
# verify) and writes everything each one outputs into OUTDIR, so that two binaries can be compared
# byte for byte (scripts/regress/compare.sh, tests/regress/regress_test.sh).
#
# Usage: outputs.sh QUASAR_BINARY OUTDIR [--quick] [--only GROUP[,GROUP...]]
#   --quick  a small subset (what the ctest runs); default: the full list
#   --only   groups to run, of: run compile compare sweep systemc verify (default: all)
#
# Layout: OUTDIR/<group>/<case>--stdout is the case's stdout, <case>--stderr its stderr (when not
# empty), <case>--<file> each file it wrote (commands write relative paths into a scratch
# directory; a/b.npy becomes <case>--a_b.npy); OUTDIR/<group>/exit_codes.txt has one line per
# case: name, exit code, arguments. Case names read <net>.<preset>[.<variant>].<format> where
# those apply.
# Normalized in every file: the binary's source directory (and this repository's) -> @SRC@, and
# the wall-clock figures listed in normalize() below -> @T@. Everything else is kept as is.
set -euo pipefail

usage() { echo "usage: $0 QUASAR_BINARY OUTDIR [--quick] [--only GROUP,...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
q=$(realpath "$1")
out=$2
shift 2
quick=0
only=run,compile,compare,sweep,systemc,verify
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift ;;
    *) usage ;;
  esac
  shift
done
for g in ${only//,/ }; do
  [[ " run compile compare sweep systemc verify " == *" $g "* ]] || usage
done
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "$0: $out exists and is not empty" >&2
  exit 2
fi
mkdir -p "$out"
out=$(realpath "$out")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
unset QUASAR_ZOO QUASAR_ACCELERATORS
# The source directory compiled into the binary, from the zoo path that `quasar networks` prints.
src=$("$q" networks | sed -n 's|^zoo: \(.*\)/workloads/networks .*|\1|p')
[ -n "$src" ] || { echo "$0: cannot find the source directory of $q" >&2; exit 1; }

want() { [[ ",$only," == *",$1,"* ]]; }

# qcase GROUP NAME ARGS...: runs `quasar ARGS` in the scratch directory $work/GROUP/NAME and
# collects its stdout, stderr, exit code and written files into $out/GROUP. A case already run
# (the quick cases are also part of the full list) is skipped; a name reused for other
# arguments is an error.
declare -A seen
qcase() {
  local group=$1 name=$2 rc=0 f
  shift 2
  local dir=$work/$group/$name dest=$out/$group
  [[ $name != *--* ]] || { echo "$0: case name $name contains --" >&2; exit 1; }
  if [ -n "${seen[$group/$name]+x}" ]; then
    [ "${seen[$group/$name]}" = "$*" ] && return
    echo "$0: case $group/$name defined twice" >&2
    exit 1
  fi
  seen[$group/$name]="$*"
  mkdir -p "$dir" "$dest"
  (cd "$dir" && "$q" "$@" > "$dest/$name--stdout" 2> "$dest/$name--stderr") || rc=$?
  echo "$name $rc $*" >> "$dest/exit_codes.txt"
  [ -s "$dest/$name--stderr" ] || rm "$dest/$name--stderr"
  while IFS= read -r f; do
    cp "$dir/$f" "$dest/$name--${f//\//_}"
  done < <(cd "$dir" && find . -type f -printf '%P\n' | sort)
}

# Replaces the paths of this run (scratch directory, source directory) and the wall-clock figures
# that differ between two runs of the same binary (found by that experiment: README.md), in every
# file but the binary .npy outputs.
normalize() {
  find "$out" -type f ! -name '*.npy' -print0 | WORK=$work SRC=$src REPO=$repo xargs -0 perl -pi -e '
    s/\Q$ENV{WORK}\E/\@WORK\@/g;
    s/\Q$ENV{SRC}\E/\@SRC\@/g;
    s/\Q$ENV{REPO}\E/\@SRC\@/g;
    # run --backend systemc and verify tables: "Simulated 4.17e+05 MACs in 0.01 s (3.6e+07 MAC/s)."
    s/( MACs in )[0-9.]+( s \()[0-9.e+-]+( MAC\/s\)\.)$/$1\@T\@$2\@T\@$3/;
    # their JSON: check.wall_seconds
    s/^(\s*"wall_seconds": )[0-9.eE+-]+/$1\@T\@/;
    # verify of a network in a number format, table: "wall time: 0.37 s"
    s/^(wall time: )[0-9.]+( s)$/$1\@T\@$2/;
    # sweep, stderr: "[sweep] 64 configurations (...) in 0.14 s"
    s/^(\[sweep\] \d+ configurations \(.*\) in )[0-9.]+( s\b)/$1\@T\@$2/;
    # sweep, stderr: progress every 10% with the rate and the ETA. Which counts get a line depends on thread
    # timing (the hand-out thread reports what is finished when it wakes), so only the last
    # line (done = total) is kept, rate replaced.
    $_ = "" if m{^\[sweep\] (\d+)/(\d+) configurations \(\d+%\), [0-9.]+ configs/s(, ETA \d+ s)?$} && $1 != $2;
    s{^(\[sweep\] (\d+)/\2 configurations \(100%\), )[0-9.]+( configs/s)$}{$1\@T\@$3};
  '
}

zoo=$("$q" networks | awk 'NR > 1 && NF > 1 && $1 != "zoo:" { print $1 }')
presets=$(cd "$src/workloads/accelerators" && ls -- *.yaml | sed 's/\.yaml$//')
if [ -z "$zoo" ] || [ -z "$presets" ]; then echo "$0: no networks or presets found" >&2; exit 1; fi
fix=$here/infeasible_mac4.yaml   # an accelerator on which 8-bit layers cannot run (exit 3)

# The quick cases run in both modes; the full mode adds the rest.
if want run; then
  for f in table json csv; do
    qcase run "lenet5.edge_32x32_os.$f" run --net lenet5 --arch edge_32x32_os --format $f
  done
  for a in $presets; do qcase run "lenet5.$a.csv" run --net lenet5 --arch "$a" --format csv; done
  qcase run mobilenetv2.eyeriss_12x14.w4a4.csv run --net mobilenetv2 --arch eyeriss_12x14 --bits w4a4 --format csv
  qcase run bert_base_layer.tpu_like_128x128_ws.table run --net bert_base_layer --arch tpu_like_128x128_ws --format table
  qcase run lenet5.bitfusion_16x32.w4a4.table run --net lenet5 --arch bitfusion_16x32 --bits w4a4 --format table
  qcase run bnn_cifar10.binary_64x64.w1a1.csv run --net bnn_cifar10 --arch binary_64x64 --bits w1a1 --format csv
  qcase run resnet18.tpu_like_128x128_ws.energy.csv run --net resnet18 --arch tpu_like_128x128_ws --objective energy --format csv
  qcase run lenet5.infeasible_mac4.table run --net lenet5 --arch "$fix" --format table
  if [ $quick = 0 ]; then
    for n in $zoo; do
      for a in $presets; do
        for f in table json csv; do qcase run "$n.$a.$f" run --net "$n" --arch "$a" --format $f; done
      done
    done
    for n in lenet5 bnn_cifar10 resnet18 mobilenetv2; do
      for b in w4a4 w1a1; do
        for a in $presets; do
          for f in table json csv; do qcase run "$n.$a.$b.$f" run --net "$n" --arch "$a" --bits $b --format $f; done
        done
      done
    done
    for b in w2a2 wta8 wp4a8; do
      qcase run "resnet18.bitfusion_16x32.$b.table" run --net resnet18 --arch bitfusion_16x32 --bits $b --format table
    done
    qcase run resnet18.bitfusion_16x32.w4a4.fl8.table run --net resnet18 --arch bitfusion_16x32 --bits w4a4 --first-last-bits 8 --format table
    for o in energy edp; do
      for a in $presets; do qcase run "resnet50.$a.$o.json" run --net resnet50 --arch "$a" --objective $o --format json; done
    done
    qcase run bert_base_layer.edge_32x32_os.out-file run --net bert_base_layer --arch edge_32x32_os --format json --out r.json
    for f in json csv; do qcase run "lenet5.infeasible_mac4.$f" run --net lenet5 --arch "$fix" --format $f; done
    qcase run error.unknown-net run --net nosuchnet --arch edge_32x32_os
    qcase run error.unknown-arch run --net lenet5 --arch nosucharch
    qcase run error.bad-objective run --net lenet5 --arch edge_32x32_os --objective speed
  fi
fi

if want compile; then
  # Each schedule is also run back (`run --schedule`), from the compile case's scratch directory.
  if [ $quick = 1 ]; then pairs="lenet5:eyeriss_12x14"; else
    pairs="lenet5:eyeriss_12x14 resnet18:edge_32x32_os resnet50:tpu_like_128x128_ws \
      mobilenetv2:bitfusion_16x32 bert_base_layer:tpu_like_128x128_ws bnn_cifar10:binary_64x64 \
      xnor_alexnet:rtl_4x4_ws vgg16:eyeriss_12x14"
  fi
  for p in $pairs; do
    n=${p%%:*} a=${p#*:}
    qcase compile "$n.$a" compile --net "$n" --arch "$a" --out schedule.json
    qcase compile "$n.$a.run-schedule.csv" run --net "$n" --arch "$a" \
      --schedule "../$n.$a/schedule.json" --format csv
  done
  if [ $quick = 0 ]; then
    qcase compile resnet18.bitfusion_16x32.w4a4.edp compile --net resnet18 --arch bitfusion_16x32 --bits w4a4 --objective edp --out schedule.json
    qcase compile lenet5.infeasible_mac4 compile --net lenet5 --arch "$fix" --out schedule.json
  fi
fi

if want compare; then
  qcase compare lenet5.table-and-json compare --net lenet5 --json compare.json
  qcase compare lenet5.csv compare --net lenet5 --format csv
  if [ $quick = 0 ]; then
    qcase compare lenet5.json compare --net lenet5 --format json
    qcase compare lenet5.plots compare --net lenet5 --plots plots
    qcase compare lenet5.edge_32x32_os.codes compare --net lenet5 --arch edge_32x32_os \
      --precisions w8a8,w4a4,wta8,wp4a8 --first-last-bits 8
    for n in bnn_cifar10 mobilenetv2 resnet18; do
      qcase compare "$n.table-and-json" compare --net "$n" --json compare.json
      qcase compare "$n.csv" compare --net "$n" --format csv --out compare.csv
    done
    qcase compare resnet50.iso-area.no-fidelity compare --net resnet50 --arch eyeriss_12x14 \
      --view iso-area --no-fidelity
    qcase compare resnet50.same-array.scaling-none compare --net resnet50 --view same-array \
      --scaling none --no-fidelity --objective energy --format csv
  fi
fi

if want sweep; then
  # --jobs 1: the rows do not depend on the thread count (docs/sweep.md), but stderr names it
  # (default: every core of the machine).
  qcase sweep precisions_fidelity sweep precisions_fidelity --out sweep.csv --out sweep.json --jobs 1
  qcase sweep array_sizes.csv sweep array_sizes --out sweep.csv --jobs 1
  if [ $quick = 0 ]; then
    for s in $(cd "$src/workloads/sweeps" && ls -- *.yaml | sed 's/\.yaml$//'); do
      qcase sweep "$s" sweep "$s" --out sweep.csv --out sweep.json --jobs 1
    done
    qcase sweep array_sizes.constraints sweep array_sizes --out sweep.csv --jobs 1 \
      --max-area 3 --max-latency 0.01
  fi
fi

if want systemc; then
  qcase systemc lenet5.rtl_4x4_ws.table run --net lenet5 --arch rtl_4x4_ws --backend systemc
  qcase systemc lenet5.edge_32x32_os.json run --net lenet5 --arch edge_32x32_os --backend systemc --format json
  qcase systemc lenet5.binary_64x64.w1a1.table run --net lenet5 --arch binary_64x64 --bits w1a1 --backend systemc
  if [ $quick = 0 ]; then
    for a in rtl_4x4_os rtl_4x4_is eyeriss_12x14 tpu_like_128x128_ws; do
      qcase systemc "lenet5.$a.table" run --net lenet5 --arch "$a" --backend systemc
    done
    qcase systemc lenet5.rtl_4x4_os.csv run --net lenet5 --arch rtl_4x4_os --backend systemc --format csv
    qcase systemc lenet5.bitfusion_16x32.w4a4.json run --net lenet5 --arch bitfusion_16x32 --bits w4a4 --backend systemc --format json
    qcase systemc lenet5.rtl_4x4_ws.save-outputs run --net lenet5 --arch rtl_4x4_ws --backend systemc --save-outputs npy
    qcase systemc bnn_cifar10.binary_64x64.table run --net bnn_cifar10 --arch binary_64x64 --backend systemc
  fi
fi

if want verify; then
  qcase verify lenet5.rtl_4x4_os.table verify --net lenet5 --arch rtl_4x4_os --format table
  qcase verify lenet5.rtl_4x4_is.json verify --net lenet5 --arch rtl_4x4_is --format json
  qcase verify lenet5.rtl_4x4_is.mac.table verify --net lenet5 --arch rtl_4x4_is --rtl mac --format table
  qcase verify lenet5.rtl_4x4_ws.w1a1.json verify --net lenet5 --arch rtl_4x4_ws --bits w1a1 --format json
  qcase verify lenet5.rtl_4x4_os.stuck-at.table verify --net lenet5 --arch rtl_4x4_os --stuck-at 5:3
  # The 48-bit array: lenet5 bit-exact, and a stuck bit above the low 32 of its register caught.
  qcase verify lenet5.rtl_4x4_ws_acc48.table verify --net lenet5 --arch rtl_4x4_ws_acc48 --format table
  qcase verify lenet5.rtl_4x4_ws_acc48.stuck-at.table verify --net lenet5 --arch rtl_4x4_ws_acc48 --layers f6 --stuck-at 5:40
  # FP8 E4M3 layers on it, through its 48 bits as the FP8 register (rtl_4x4_ws's 32 refuse them).
  qcase verify lenet5.rtl_4x4_ws_acc48.fp8.table verify --net lenet5 --arch rtl_4x4_ws_acc48 --bits fp8 --layers f6,output
  if [ $quick = 0 ]; then
    for a in rtl_4x4_ws rtl_4x4_os rtl_4x4_is; do
      for f in table json; do qcase verify "lenet5.$a.$f" verify --net lenet5 --arch "$a" --format $f; done
    done
    qcase verify lenet5.rtl_4x4_ws.w4a4.table verify --net lenet5 --arch rtl_4x4_ws --bits w4a4
    qcase verify lenet5.edge_32x32_os.mac.json verify --net lenet5 --arch edge_32x32_os --rtl mac --format json
    qcase verify lenet5.rtl_4x4_ws.mac.table verify --net lenet5 --arch rtl_4x4_ws --rtl mac
    qcase verify lenet5.rtl_4x4_ws.f6.save-outputs verify --net lenet5 --arch rtl_4x4_ws --layers f6 --save-outputs npy --out report.json --format json
    qcase verify error.no-rtl-model verify --net lenet5 --arch tpu_like_128x128_ws
  fi
fi

normalize
