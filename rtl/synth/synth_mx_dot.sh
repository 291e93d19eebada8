#!/usr/bin/env bash
# Synthesizes the MX block dot-product unit (rtl/sv/quasar_mx_dot.sv) with yosys for each MX
# format, through the flow of synth_mac.sh (`synth -flatten`, generic two-input gates with
# `abc -g`, every cell counted as one), and prints one line per format: name, lanes, cells and
# seconds. docs/number-formats.md ("The MX dot-product unit") gives the figures.
#
# Usage (from anywhere): bash rtl/synth/synth_mx_dot.sh [LANES] [FORMAT...]
#   LANES: elements per block (default 32, every MX v1.0 format's); FORMAT: mxint8, mxfp8_e4m3,
#   mxfp8_e5m2, mxfp6_e2m3, mxfp6_e3m2, mxfp4_e2m1 (default: all six).
# Environment: YOSYS=<path> selects the yosys binary (default: yosys on PATH).
#
# Not run by ctest: at 32 lanes abc takes minutes per format (the committed figures are from one
# run of this script; the MAC cells of synth_mac.sh are checked on every run instead).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sv="$here/../sv/quasar_mx_dot.sv"
yosys="${YOSYS:-yosys}"
gates="AND,NAND,OR,NOR,XOR,XNOR,ANDNOT,ORNOT,MUX"
lanes="${1:-32}"
shift || true
formats=("$@")
if [ ${#formats[@]} -eq 0 ]; then
  formats=(mxint8 mxfp8_e4m3 mxfp8_e5m2 mxfp6_e2m3 mxfp6_e3m2 mxfp4_e2m1)
fi

if ! command -v "$yosys" >/dev/null 2>&1; then
  echo "synth_mx_dot.sh: yosys not found (install the Debian package 'yosys')" >&2
  exit 1
fi
if ! [[ "$lanes" =~ ^[0-9]+$ ]] || [ "$lanes" -lt 1 ]; then
  echo "synth_mx_dot.sh: LANES must be a positive integer, got '$lanes'" >&2
  exit 2
fi

# The element formats' parameters (OCP MX v1.0 Table 1; OFP8 v1.0 for the FP8 elements).
params_of() {
  case "$1" in
    mxint8) echo "-set INT_ELEM 1" ;;
    mxfp8_e4m3) echo "-set EXP_W 4 -set MAN_W 3 -set BIAS 7 -set NAN_CODES 1" ;;
    mxfp8_e5m2) echo "-set EXP_W 5 -set MAN_W 2 -set BIAS 15 -set NAN_CODES 2" ;;
    mxfp6_e2m3) echo "-set EXP_W 2 -set MAN_W 3 -set BIAS 1" ;;
    mxfp6_e3m2) echo "-set EXP_W 3 -set MAN_W 2 -set BIAS 3" ;;
    mxfp4_e2m1) echo "-set EXP_W 2 -set MAN_W 1 -set BIAS 1" ;;
    *)
      echo "synth_mx_dot.sh: unknown format '$1' (mxint8, mxfp8_e4m3, mxfp8_e5m2," \
        "mxfp6_e2m3, mxfp6_e3m2, mxfp4_e2m1)" >&2
      exit 2
      ;;
  esac
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "format lanes cells seconds"
for f in "${formats[@]}"; do
  params="$(params_of "$f")"
  start=$(date +%s)
  "$yosys" -q -p "read_verilog -sv $sv;
    chparam $params -set N $lanes quasar_mx_dot;
    synth -flatten -top quasar_mx_dot;
    abc -g $gates;
    opt_clean;
    tee -q -o $tmp/$f.stat stat" >"$tmp/$f.log" 2>&1 || {
    echo "synth_mx_dot.sh: yosys failed on $f; its log:" >&2
    cat "$tmp/$f.log" >&2
    exit 1
  }
  cells="$(awk '/Number of cells:/ {print $4}' "$tmp/$f.stat")"
  echo "$f $lanes $cells $(($(date +%s) - start))"
done
