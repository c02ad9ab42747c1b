#!/usr/bin/env python3
"""Runs a program and compares its standard output with a block of a Markdown page.

The block is the code block directly after the line `<!-- output: NAME -->`. Fails (exit 1)
when the program exits non-zero or its output differs from the block by a byte.
Usage: check_output.py PAGE.md NAME -- COMMAND [ARG...]
"""
import difflib
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    page, name, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    lines = open(page, encoding="utf-8").read().split("\n")
    marker = f"<!-- output: {name} -->"
    if marker not in lines:
        print(f"{page}: no line {marker}", file=sys.stderr)
        return 1
    i = lines.index(marker) + 1
    if i >= len(lines) or not lines[i].startswith("```"):
        print(f"{page}:{i + 1}: {marker} not directly followed by a code block", file=sys.stderr)
        return 1
    j = i + 1
    while j < len(lines) and lines[j] != "```":
        j += 1
    want = "\n".join(lines[i + 1:j]) + "\n"
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=240)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    ok = True
    if run.returncode != 0:
        print(f"check_output: {cmd[-1]} exited with {run.returncode}", file=sys.stderr)
        ok = False
    if run.stdout != want:
        print(f"check_output: the output differs from {page}:{i + 1}:", file=sys.stderr)
        sys.stderr.writelines(difflib.unified_diff(
            want.splitlines(True), run.stdout.splitlines(True), f"{page} ({name})", "output"))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
