#!/usr/bin/env bash
# End-to-end checks of `quasar verify` (the Verilated RTL in the cycle model against the golden
# reference) and `quasar rtl-params`: the per-layer verdict in table and JSON form, a planted
# fault (a stuck accumulator bit) reported as the first mismatch that an independent comparison
# of the saved outputs finds, the RTL waveform, the MAC-grid mode on a larger array, --layers,
# and the errors (exit 2) with the messages that explain them.
# Usage: cli_verify_test.sh <quasar binary> <source dir>
set -u
q=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

# A clean run: every layer bit-exact, cycles equal to the analytical model's.
expect 0 "0 mismatches: BIT-EXACT" -- "$q" verify --arch rtl_4x4_ws --net lenet5
expect 0 "RTL array rtl_4x4_ws (Verilator) vs golden reference" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers c1
# --layers: exactly those layers are checked, in network order.
"$q" verify --arch rtl_4x4_ws --net lenet5 --layers f6,c3 --format json > "$tmp/sel.json" \
  2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
layers = json.load(open(sys.argv[1]))["check"]["layers"]
assert [l["name"] for l in layers] == ["c3", "f6"], layers
assert all(l["mismatches"] == 0 for l in layers)
' "$tmp/sel.json"
"$q" verify --arch rtl_4x4_os --net lenet5 --format json --save-outputs "$tmp/clean" \
  > "$tmp/clean.json" 2> /dev/null
rc=$?
expect 0 "" -- test "$rc" -eq 0
expect 0 "" -- python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["rtl"]["model"] == "rtl_4x4_os" and j["rtl"]["mode"] == "array", j["rtl"]
assert j["check"]["bit_exact"] is True
layers = j["check"]["layers"]
assert [l["name"] for l in layers] == "c1 s2 c3 s4 c5 flatten f6 output".split()
for l in layers:
    assert l["compared"] > 0 and l["mismatches"] == 0 and l["first_mismatch"] is None, l
    assert l["cycles"] == l["analytical_cycles"], l
    assert l["overflow_events"] == l["golden_overflow_events"], l
# The 16-bit saturating accumulator of rtl_4x4_os overflows on lenet5, exactly as the golden run.
assert sum(l["overflow_events"] for l in layers) > 0
' "$tmp/clean.json"

# A planted fault: bit 12 of PE 5's partial sum stuck at 1. verify exits 4, and for every layer
# its first mismatch (index, expected, actual) and mismatch count are those an independent
# comparison of the saved outputs with the clean run's (equal to the golden reference) finds.
"$q" verify --arch rtl_4x4_os --net lenet5 --stuck-at 5:12 --format json \
  --save-outputs "$tmp/faulty" > "$tmp/faulty.json" 2> "$tmp/faulty.err"
rc=$?
expect 0 "" -- test "$rc" -eq 4
expect 0 "error: the RTL array rtl_4x4_os (Verilator) disagrees with the golden reference" -- cat "$tmp/faulty.err"
expect 0 "" -- python3 -c '
import json, sys, struct, ast
def load(path):
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY"
    hlen = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + hlen].decode())
    fmt = {"|i1": "b", "|u1": "B", "<i2": "h", "<u2": "H", "<i4": "i"}[header["descr"]]
    body = data[10 + hlen:]
    return list(struct.unpack("<%d%s" % (len(body) // struct.calcsize(fmt), fmt), body))
j = json.load(open(sys.argv[1]))
assert j["rtl"]["stuck_at"] == {"pe": 5, "bit": 12, "changed_output": True}
assert j["check"]["bit_exact"] is False
bad = 0
for l in j["check"]["layers"]:
    clean = load(sys.argv[2] + "/" + l["name"] + ".npy")
    faulty = load(sys.argv[3] + "/" + l["name"] + ".npy")
    diff = [i for i, (a, b) in enumerate(zip(clean, faulty)) if a != b]
    assert l["mismatches"] == len(diff), (l["name"], l["mismatches"], len(diff))
    if diff:
        bad += 1
        fm = l["first_mismatch"]
        assert fm["index"] == diff[0], (l["name"], fm, diff[0])
        assert fm["expected"] == clean[diff[0]] and fm["actual"] == faulty[diff[0]], (fm,)
        assert fm["cycle"] > 0
    else:
        assert l["first_mismatch"] is None
# The fault is in the array, so the first convolution (which uses PE 5) is already wrong.
assert j["check"]["layers"][0]["mismatches"] > 0
assert bad >= 1
' "$tmp/faulty.json" "$tmp/clean" "$tmp/faulty"
expect 4 "fault injected: PE 5 partial-sum bit 20 stuck at 1" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers f6 --stuck-at 5:20

# The RTL waveform of one layer: every RTL signal, the clock toggling once per cycle.
expect 0 "RTL waveform written to $tmp/f6.vcd" -- \
  "$q" verify --arch rtl_4x4_is --net lenet5 --layers output --trace "$tmp/f6.vcd"
expect 0 "" -- grep -q "scope module quasar_array" "$tmp/f6.vcd"
expect 0 "" -- grep -q " clk " "$tmp/f6.vcd"
# Value changes over time, not only the header: more than 100 timestamps.
expect 0 "" -- test "$(grep -c '^#[0-9]' "$tmp/f6.vcd")" -gt 100
expect 0 "" -- grep -q "g_row\[3\]" "$tmp/f6.vcd"

# RTL MACs in the C++ registers of a 32x32 array (no 32x32 RTL array is built).
expect 0 "0 mismatches: BIT-EXACT" -- \
  "$q" verify --arch edge_32x32_os --net lenet5 --rtl mac --layers c3,output
expect 0 "C++ array on RTL MACs mac_rtl_4x4_is" -- \
  "$q" verify --arch edge_32x32_os --net lenet5 --rtl mac --layers output

# A layer off the PE array is checked, with a note that the RTL is not involved.
expect 0 "layer s2 (avg_pool) does not run on the PE array" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers s2

# Errors name what is wrong.
expect 2 "no Verilated array is built for edge-32x32-os" -- \
  "$q" verify --arch edge_32x32_os --net lenet5
expect 2 "rows: 4 (RTL) vs 32 (architecture)" -- "$q" verify --arch edge_32x32_os --net lenet5
expect 2 "--stuck-at: expected PE:BIT" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --stuck-at 16:3
expect 2 "--stuck-at: expected PE:BIT" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --stuck-at 1:32
expect 2 "--stuck-at: expected PE:BIT" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --stuck-at 5:12x
# The fast search's c1 tiles are 4 columns wide (the refined search's are 3, leaving PE 15 idle).
expect 4 "PE 15 partial-sum bit 31 stuck at 1" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers c1 --stuck-at 15:31 --search fast
# Under the refined tiles the fault changes no output: the report says it went untested.
expect 0 "the fault changed no output, so it was not tested: PE 15" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers c1 --stuck-at 15:31
"$q" verify --arch rtl_4x4_ws --net lenet5 --layers c1 --stuck-at 15:31 --format json \
  > "$tmp/unseen.json" 2> /dev/null
expect 0 "" -- python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["rtl"]["stuck_at"]
assert s == {"pe": 15, "bit": 31, "changed_output": False}, s
' "$tmp/unseen.json"
expect 0 "no layer ran on the RTL array: no waveform" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers s2 --trace "$tmp/s2.vcd"
expect 2 "--trace needs --rtl array" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --rtl mac --trace "$tmp/x.vcd"
expect 2 "--layers: no layer named 'conv9' in network lenet5" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --layers conv9
expect 2 "--trace: the file name must end in .vcd" -- \
  "$q" verify --arch rtl_4x4_ws --net lenet5 --trace "$tmp/x.txt"

# rtl-params: the -G values of an architecture and the model built for it.
expect 0 "built array for it:    rtl_4x4_ws" -- "$q" rtl-params --arch rtl_4x4_ws
expect 0 "-GROWS=32 -GCOLS=32 -GDATAFLOW=0" -- "$q" rtl-params --arch edge_32x32_os
expect 0 "mac_s2x4" -- "$q" rtl-params --list
finish
