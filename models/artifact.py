"""Writing an artifact folder: arrays (``.npz``, never pickle) and JSON, a
manifest with the sha256 of every file, written in a temporary folder and
moved into place in one step."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pathlib
import re
import shutil
from collections import Counter

import numpy as np

from .names import ARTIFACTS_DIR

__all__ = ["FORMAT_VERSION", "sha256_file", "new_version_name", "data_sources", "write_manifest", "read_json",
           "ArtifactWriter", "publish"]

# 2: n-gram heads + semantic heads + per-profile stacking and calibration (stack.npz)
FORMAT_VERSION = 2


def sha256_file(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def new_version_name(parent: pathlib.Path = ARTIFACTS_DIR) -> str:
    """``colombe-<day>-<n>``, n one past the highest of that day (never reused after a prune)."""
    day = _dt.datetime.now(_dt.timezone.utc).strftime("%Y.%m.%d")
    taken = [int(m.group(1)) for p in pathlib.Path(parent).glob(f"colombe-{day}-*")
             if (m := re.fullmatch(rf"colombe-{re.escape(day)}-(\d+)", p.name))]
    return f"colombe-{day}-{max(taken, default=0) + 1}"


def data_sources(catalogue, recs) -> list[dict]:
    """One entry per dataset of the run's catalogue: license, use, rows per language/split."""
    split_counts = Counter((r.dataset, r.lang, r.split) for r in recs)
    out = []
    for name, info in catalogue.items():
        out.append({
            "name": name, "license": info.license, "url": info.url, "citation": info.citation,
            "used_for": ("training + evaluation (test split of the site's own decisions)" if info.kind == "site" else
                         "training (augmentation only, never evaluation)" if info.train_only else
                         "training + evaluation (test split)" if info.trainable else
                         "evaluation only (non-commercial license)"),
            "rows": {f"{lg}/{sp_}": n for (ds, lg, sp_), n in sorted(split_counts.items()) if ds == name},
        })
    return out


def read_json(p: pathlib.Path):
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def write_manifest(folder: pathlib.Path, manifest: dict) -> None:
    files = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name != "manifest.json":
            files[f.name] = {"sha256": sha256_file(f), "bytes": f.stat().st_size}
    manifest["files"] = files
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")


class ArtifactWriter:
    """Files of a new artifact, in ``<parent>/.tmp-<version>-<pid>`` until ``publish``."""

    def __init__(self, out_dir: pathlib.Path, version: str):
        self.out_dir = out_dir
        self.version = version
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out_dir.parent / f".tmp-{version}-{os.getpid()}"
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()

    def arrays(self, name: str, compressed: bool = False, **arrays: np.ndarray) -> None:
        (np.savez_compressed if compressed else np.savez)(self.tmp / name, **arrays)

    def json(self, name: str, obj) -> None:
        (self.tmp / name).write_text(json.dumps(obj, indent=1, sort_keys=True), encoding="utf-8")

    def text(self, name: str, text: str) -> None:
        (self.tmp / name).write_text(text, encoding="utf-8")

    def manifest(self, manifest: dict) -> None:
        write_manifest(self.tmp, manifest)


def publish(writer: ArtifactWriter, card: str, card_dir=None, set_current: bool = False) -> pathlib.Path:
    """Move the folder into place; copy the card to ``card_dir`` (default:
    ``models/cards`` for the repository's artifacts); point ``CURRENT`` at it."""
    out_dir = writer.out_dir
    if out_dir.exists():
        out_dir.rmdir()
    os.replace(writer.tmp, out_dir)
    if card_dir is None and out_dir.parent == ARTIFACTS_DIR.resolve():
        card_dir = ARTIFACTS_DIR.parent / "cards"
    if card_dir is not None:
        card_dir = pathlib.Path(card_dir)
        card_dir.mkdir(parents=True, exist_ok=True)
        (card_dir / f"{writer.version}.md").write_text(card, encoding="utf-8")
    if set_current:
        cur = out_dir.parent / "CURRENT"
        tmpc = out_dir.parent / f".CURRENT.{os.getpid()}"
        tmpc.write_text(out_dir.name + "\n", encoding="utf-8")
        os.replace(tmpc, cur)
    return out_dir
