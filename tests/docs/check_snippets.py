#!/usr/bin/env python3
"""Checks that a Markdown page's code blocks are byte-for-byte regions of source files.

Each C/C++ block of the page is introduced by a marker comment naming its source:

    <!-- snippet: tests/docs/getting_started.cpp [emit] -->
    ```cpp
    ...
    ```

The region [emit] of that file is the lines strictly between a line `// [emit]` (or
`/* [emit] */`) and a line `// [emit-end]` (or `/* [emit-end] */`), with the indentation
common to all its non-blank lines removed. The block must equal it exactly. Fails (exit 1)
when a block differs, a region is missing or ambiguous, or a ```c / ```cpp block has no
marker. Usage: check_snippets.py PAGE.md [--root REPO]
"""
import argparse
import difflib
import re
import sys
from pathlib import Path

MARKER = re.compile(r"^<!-- snippet: (\S+) \[([A-Za-z0-9_-]+)\] -->$")
FENCE_OPEN = re.compile(r"^```(\w*)$")
CODE_LANGS = {"c", "cpp", "c++", "cxx"}


def region(path: Path, name: str) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")

    def is_marker(line: str, tag: str) -> bool:
        s = line.strip()
        return s in (f"// [{tag}]", f"/* [{tag}] */")

    starts = [i for i, l in enumerate(lines) if is_marker(l, name)]
    ends = [i for i, l in enumerate(lines) if is_marker(l, name + "-end")]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0]:
        raise ValueError(f"{path}: region [{name}] must appear exactly once with its "
                         f"[{name}-end] after it (found {len(starts)} start(s), "
                         f"{len(ends)} end(s))")
    body = lines[starts[0] + 1:ends[0]]
    indents = [len(l) - len(l.lstrip(" ")) for l in body if l.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(l[cut:] if l.strip() else "" for l in body)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--root", default=".")
    args = ap.parse_args()
    root = Path(args.root)
    lines = Path(args.page).read_text(encoding="utf-8").split("\n")
    errors, checked, pending, i = [], 0, None, 0
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line)
        if m:
            pending = (m.group(1), m.group(2), i + 1)
            i += 1
            continue
        f = FENCE_OPEN.match(line)
        if f:
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            if j == len(lines):
                errors.append(f"{args.page}:{i + 1}: unterminated code block")
                break
            block = "\n".join(lines[i + 1:j])
            lang = f.group(1).lower()
            if pending and pending[2] == i:
                src, name, _ = pending
                try:
                    want = region(root / src, name)
                except (OSError, ValueError) as e:
                    errors.append(f"{args.page}:{i + 1}: {e}")
                else:
                    checked += 1
                    if block != want:
                        diff = "\n".join(difflib.unified_diff(
                            want.split("\n"), block.split("\n"), f"{src} [{name}]",
                            f"{args.page}:{i + 1}", lineterm=""))
                        errors.append(f"{args.page}:{i + 1}: block differs from {src} "
                                      f"[{name}]:\n{diff}")
            elif pending:
                errors.append(f"{args.page}:{pending[2]}: snippet marker not directly "
                              f"followed by a code block")
            elif lang in CODE_LANGS:
                errors.append(f"{args.page}:{i + 1}: ```{lang} block without a snippet "
                              f"marker (every C/C++ block must come from a test)")
            pending = None
            i = j + 1
            continue
        if pending and line.strip():
            errors.append(f"{args.page}:{pending[2]}: snippet marker not directly followed "
                          f"by a code block")
            pending = None
        i += 1
    if pending:
        errors.append(f"{args.page}:{pending[2]}: snippet marker at the end of the page")
    for e in errors:
        print(e, file=sys.stderr)
    if checked == 0 and not errors:
        print(f"{args.page}: no snippet blocks found", file=sys.stderr)
        return 1
    print(f"{args.page}: {checked} code block(s) checked, {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
