#!/usr/bin/env bash
# Output regression test (ctest regress/*): runs the quick subset of scripts/regress/outputs.sh
# with a quasar binary and compares every output byte with the baseline's, committed in
# tests/regress/expected/<group>/ (wall-clock figures and paths normalized by outputs.sh).
# With --update, regenerates those files from the binary instead (only after checking that a
# difference is intended: see scripts/regress/README.md).
#
# Usage: regress_test.sh [--update] QUASAR_BINARY [GROUP,...]
#   groups: run, compile, compare, sweep, systemc, verify (default: all)
set -euo pipefail

update=0
if [ "${1:-}" = --update ]; then
  update=1
  shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--update] QUASAR_BINARY [GROUP,...]" >&2; exit 2; }
q=$1
groups=${2:-run,compile,compare,sweep,systemc,verify}
here=$(cd "$(dirname "$0")" && pwd)
expected=$here/expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bash "$here/../../scripts/regress/outputs.sh" "$q" "$tmp/out" --quick --only "$groups"

if [ $update = 1 ]; then
  for g in ${groups//,/ }; do
    rm -rf "${expected:?}/$g"
    mkdir -p "$expected"
    [ -d "$tmp/out/$g" ] && cp -r "$tmp/out/$g" "$expected/$g"
  done
  echo "regress: updated $expected for $groups from $q"
  exit 0
fi

status=0
cases=0
for g in ${groups//,/ }; do
  [ ! -f "$tmp/out/$g/exit_codes.txt" ] || cases=$((cases + $(wc -l < "$tmp/out/$g/exit_codes.txt")))
  if ! d=$(diff -r "$expected/$g" "$tmp/out/$g" 2>&1); then
    status=1
    echo "FAIL: $g: outputs differ from $expected/$g (< expected, > this binary):"
    head -n 80 <<< "$d"
  fi
done
if [ $status = 0 ]; then
  echo "regress: $groups: $cases cases, every output identical to the baseline"
else
  echo "If the change is intended: bash $0 --update QUASAR_BINARY $groups"
fi
exit $status
