#!/usr/bin/env python3
"""README's configuration table, generated from `service.config.Settings`.

    python scripts/settings_table.py           # print the table
    python scripts/settings_table.py --write   # rewrite it in README.md
    python scripts/settings_table.py --check   # exit 1 when README.md differs

The table sits between the markers `<!-- settings:start -->` and `<!-- settings:end -->`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import settings_table  # noqa: E402

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the markers replaced by `table`."""
    head, start, rest = readme.partition(START)
    _old, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"README.md has no {START} … {END} block")
    return f"{head}{START}\n{table}{END}{tail}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the table in README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 when README.md's table differs")
    args = ap.parse_args()
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    updated = with_table(readme, settings_table())
    if args.write:
        if updated != readme:
            readme_path.write_text(updated, encoding="utf-8")
            print("README.md: configuration table rewritten", file=sys.stderr)
        return 0
    if args.check:
        if updated != readme:
            print("README.md's configuration table differs from Settings: "
                  "run python scripts/settings_table.py --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
