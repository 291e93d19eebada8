#!/usr/bin/env bash
# Checks that the committed rtl/synth/mac_cells.yaml is what synth_mac.sh produces from the
# current RTL: synthesizes into a temporary file and diffs. Run by ctest (label `yosys`,
# tests/CMakeLists.txt); a failure means the MAC's area changed (or yosys did) and the file must
# be regenerated with `bash rtl/synth/synth_mac.sh`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
committed="${1:-$here/mac_cells.yaml}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash "$here/synth_mac.sh" "$tmp/mac_cells.yaml"
if ! diff -u "$committed" "$tmp/mac_cells.yaml"; then
  echo "check_mac_cells.sh: $committed is out of date; regenerate it with" \
    "'bash rtl/synth/synth_mac.sh'" >&2
  exit 1
fi
echo "check_mac_cells.sh: $committed matches a fresh synthesis"
