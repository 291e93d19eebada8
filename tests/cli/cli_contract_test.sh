#!/usr/bin/env bash
# The command-line contract (docs/reliability.md, "Exit codes"), exit codes and messages:
# - an unknown command is named, with the nearest command and the list of commands;
# Usage: cli_contract_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
has_verify=0
"$q" --help 2>&1 | grep -q '^  verify' && has_verify=1

# 1. Unknown commands.
expect 2 "error: unknown command 'frobnicate'; the commands are: arch, backends, compare, compile" \
  -- "$q" frobnicate
expect 2 "unknown command 'frobnicate'" -- "$q" frobnicate --net lenet5
expect 2 "unknown command 'ifner' (did you mean 'infer'?)" -- "$q" ifner --net lenet5
expect 2 "unknown command 'swep' (did you mean 'sweep'?)" -- "$q" swep
expect 0 "" -- bash -c "'$q' frobnicate 2>&1 | grep -q 'sweep-merge'"
if [ $has_verify = 0 ]; then
  expect 2 "command 'verify' is not in this build: it needs the RTL" -- "$q" verify
fi
expect 2 "A subcommand is required" -- "$q"
expect 0 "Usage" -- "$q" --help

finish
