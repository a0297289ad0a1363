#!/usr/bin/env python3
"""README's generated tables: the configuration table from `service.config.Settings`, and
the "Site policy" table of default thresholds from `service.core.policy` and the bundled
model's card (its manifest's thresholds, `full` profile).

    python scripts/settings_table.py           # print both tables
    python scripts/settings_table.py --write   # rewrite them in README.md
    python scripts/settings_table.py --check   # exit 1 when README.md differs

The tables sit between the markers `<!-- settings:start -->` … `<!-- settings:end -->` and
`<!-- policy:start -->` … `<!-- policy:end -->`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import settings_table  # noqa: E402

BLOCKS = ("settings", "policy")


def markers(block: str) -> tuple[str, str]:
    return f"<!-- {block}:start -->", f"<!-- {block}:end -->"


def bundled_thresholds() -> tuple[str, dict[str, dict[str, float]]]:
    """The bundled artifact's version and its thresholds (the `full` profile's, the default)."""
    from models.names import bundled_artifact_dir

    manifest = json.loads((bundled_artifact_dir() / "manifest.json").read_text(encoding="utf-8"))
    by_profile = manifest.get("thresholds_by_profile") or {}
    return manifest["version"], by_profile.get("full") or manifest.get("thresholds", {})


def policy_table() -> str:
    """README's "Site policy" table: per label, the operating point of its default
    `approve_below`, that threshold in the bundled model, and `reject_above`'s."""
    from models.names import LABELS
    from service.core.policy import REJECT_POINT, default_policy, hold_point

    version, thresholds = bundled_thresholds()
    defaults = default_policy(LABELS, thresholds)
    rows = [f"| label | approve below: default | in `{version}` | reject above: default | suggested |",
            "|---|---|---|---|---|"]
    for label in LABELS:
        suggested = (thresholds.get(label) or {}).get(REJECT_POINT)
        rows.append(f"| `{label}` | `{hold_point(label)}` | {defaults.approve_below[label]:.4f} | off | "
                    f"`{REJECT_POINT}`" + (f" ({suggested:.4f})" if suggested is not None else "") + " |")
    return "\n".join(rows) + "\n"


def with_table(readme: str, table: str, block: str = "settings") -> str:
    """`readme` with the text between `block`'s markers replaced by `table`."""
    start_mark, end_mark = markers(block)
    head, start, rest = readme.partition(start_mark)
    _old, end, tail = rest.partition(end_mark)
    if not start or not end:
        raise SystemExit(f"README.md has no {start_mark} … {end_mark} block")
    return f"{head}{start_mark}\n{table}{end_mark}{tail}"


def tables() -> dict[str, str]:
    return {"settings": settings_table(), "policy": policy_table()}


def updated_readme(readme: str) -> str:
    for block, table in tables().items():
        readme = with_table(readme, table, block)
    return readme


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the tables in README.md")
    mode.add_argument("--check", action="store_true", help="exit 1 when README.md's tables differ")
    args = ap.parse_args()
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    updated = updated_readme(readme)
    if args.write:
        if updated != readme:
            readme_path.write_text(updated, encoding="utf-8")
            print("README.md: generated tables rewritten", file=sys.stderr)
        return 0
    if args.check:
        if updated != readme:
            print("README.md's generated tables differ from the code (Settings, site policy): "
                  "run python scripts/settings_table.py --write", file=sys.stderr)
            return 1
        return 0
    for table in tables().values():
        sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
