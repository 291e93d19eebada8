#!/usr/bin/env bash
# Proves that two quasar binaries write the same bytes: runs scripts/regress/outputs.sh with each
# (both at once) into temporary directories, diffs them, prints how many cases were compared and
# which differ, and exits 1 on any difference (0 when identical). On a difference the two output
# trees and the full diff are kept, and their place is printed.
#
# Usage: compare.sh OLD_BINARY NEW_BINARY [--quick] [--only GROUP,...]   (options of outputs.sh)
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [--quick] [--only GROUP,...]" >&2; exit 2; }
old=$1 new=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quasar-regress.XXXXXX")
keep=0
trap '[ $keep = 1 ] || rm -rf "$tmp"' EXIT

start=$(date +%s)
bash "$here/outputs.sh" "$old" "$tmp/old" "$@" & pid_old=$!
bash "$here/outputs.sh" "$new" "$tmp/new" "$@" & pid_new=$!
wait $pid_old || { echo "outputs.sh failed for $old" >&2; exit 2; }
wait $pid_new || { echo "outputs.sh failed for $new" >&2; exit 2; }

# Each differing file <group>/<case>--<what> (or a different exit_codes.txt line) names its case.
compared=$(cat "$tmp"/old/*/exit_codes.txt | wc -l)
diffs=$( (cd "$tmp" && diff -rq old new) || true)
differing=$(
  {
    sed -n -e 's|^Files old/\([^ ]*\)--[^ ]* and .* differ$|\1|p' \
           -e 's|^Only in [a-z]*/\([^:]*\): \(.*\)--.*$|\1/\2|p' <<< "$diffs"
    for g in $(cd "$tmp" && find old new -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -u); do
      diff <(cat "$tmp/old/$g/exit_codes.txt" 2>/dev/null) <(cat "$tmp/new/$g/exit_codes.txt" 2>/dev/null) |
        sed -n "s|^[<>] \([^ ]*\) .*|$g/\1|p" || true
    done
  } | sort -u)
n=$(grep -c . <<< "$differing" || true)

echo "regress: $compared cases compared ($(($(date +%s) - start)) s), $n differing"
if [ -z "$diffs" ]; then
  exit 0
fi
keep=1
(cd "$tmp" && diff -r old new > diff.txt) || true
sed 's/^/  differs: /' <<< "$differing"
echo "first lines of the diff (all of it: $tmp/diff.txt; outputs: $tmp/old, $tmp/new):"
head -n 60 "$tmp/diff.txt"
exit 1
