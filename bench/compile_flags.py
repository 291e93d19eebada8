#!/usr/bin/env python3
"""Compile time of two flag sets on a sample of a build's own files, alternated per file.

For "do these flags build faster": it reads a build's compile_commands.json, removes the build
type's flags (--strip) from each command, compiles a seeded random sample of files once with
flag set A and once with flag set B (A then B for each file, so a noisy machine slows both
alike), and prints each file's two times and the ratio B / A of the sums. The object goes to a
temporary file; the build is not touched. See docs/benchmarks.md.

Usage: bench/compile_flags.py BUILD/compile_commands.json --a "-O2 -g" --b "-O1 -g1"
                              [--strip "-O2 -g"] [--sample 20] [--seed 1] [--only REGEX]
                              [--b-compiler clang++-14]
A single flag needs the = form, or argparse reads it as an option: --a=-O3 --b=-O2 --strip=-O3.
A command that still holds an -O level after --strip is refused (that level would win over A's
and B's): a Release build's test files carry -O3 and -O1, so strip both there.
"""
import argparse
import json
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("compile_commands")
    ap.add_argument("--a", required=True, help="flag set A (the reference)")
    ap.add_argument("--b", required=True, help="flag set B")
    ap.add_argument("--strip", default="-O2 -g", help="flags removed from every command first")
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--b-compiler", default="", help="compile B with this compiler instead")
    ap.add_argument("--only", default="", help="sample only files whose path matches this regex")
    args = ap.parse_args()

    with open(args.compile_commands) as f:
        entries = json.load(f)
    entries = [e for e in entries if re.search(args.only, e["file"])]
    if not entries:
        sys.exit(f"compile_flags: no file of {args.compile_commands} matches --only {args.only!r}")
    strip = set(shlex.split(args.strip))
    sample = random.Random(args.seed).sample(entries, min(args.sample, len(entries)))
    total = {"A": 0.0, "B": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for e in sample:
            argv = [a for a in shlex.split(e["command"]) if a not in strip]
            # A and B go right after the compiler, so a level the command keeps would win.
            kept = [a for a in argv[1:] if a.startswith("-O")]
            if kept:
                sys.exit(f"compile_flags: {e['file']} keeps {' '.join(kept)}; add it to --strip")
            argv[argv.index("-o") + 1] = tmp + "/probe.o"
            times = {}
            for name, flags in (("A", args.a), ("B", args.b)):
                compiler = argv[:1]
                if name == "B" and args.b_compiler:
                    compiler = shlex.split(args.b_compiler)
                cmd = compiler + shlex.split(flags) + argv[1:]
                t0 = time.monotonic()
                subprocess.run(cmd, cwd=e["directory"], check=True)
                times[name] = time.monotonic() - t0
                total[name] += times[name]
            print(f"{e['file']}: A {times['A']:.2f} s, B {times['B']:.2f} s", flush=True)
    print(f"{len(sample)} files: A {total['A']:.1f} s, B {total['B']:.1f} s, "
          f"B / A = {total['B'] / total['A']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
