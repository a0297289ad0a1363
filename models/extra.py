"""A site's own moderation decisions as extra training data (``colombe train --extra PATH``).

Each CSV becomes one dataset of the run's :class:`~models.datasets.Catalogue`:
the first ``site_decisions``, the next ones ``extra:<stem>``.  Nothing is
registered globally: the (info, path) pairs travel with the run.
"""
from __future__ import annotations

import csv
import pathlib

from .datasets import DATASETS, TOX_HEADS, DatasetInfo
from .lang import detect_language
from .records import Record

__all__ = ["SITE_DECISIONS", "SITE_DECISIONS_LICENSE", "extra_dataset_names", "extra_dataset_info",
           "extra_catalogue", "load_extra_csv"]

SITE_DECISIONS = "site_decisions"
SITE_DECISIONS_LICENSE = "the site's own moderation decisions"
_EXTRA_LABELS = ("toxic", "spam", "clean")


def extra_dataset_names(paths) -> list[str]:
    """Dataset name of each extra CSV: ``site_decisions`` for the first, then
    ``extra:<stem>`` (``extra:<stem>-<n>`` if two files share a stem)."""
    names: list[str] = []
    for i, p in enumerate(paths):
        if i == 0:
            name = SITE_DECISIONS
        else:
            base = "extra:" + pathlib.Path(p).stem
            name, n = base, 2
            while name in names or name in DATASETS:
                name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


def extra_dataset_info(name: str, path) -> DatasetInfo:
    return DatasetInfo(name, SITE_DECISIONS_LICENSE, True, "site",
                       f"Moderator decisions exported from the site's database ({pathlib.Path(path).name}).",
                       str(pathlib.Path(path).name))


def extra_catalogue(paths) -> list[tuple[DatasetInfo, pathlib.Path]]:
    """``[(DatasetInfo, path), ...]`` for the extra CSVs of one run."""
    paths = [pathlib.Path(p) for p in (paths or ())]
    return [(extra_dataset_info(name, p), p) for name, p in zip(extra_dataset_names(paths), paths)]


def _extra_heads(label: str) -> dict:
    """toxic: toxicity 1 (the sub-heads unknown), spam 0; spam: spam 1,
    toxicity 0 (sub-heads unknown); clean: every head 0."""
    if label == "toxic":
        return {"toxicity": 1, "spam": 0}
    if label == "spam":
        return {"spam": 1, "toxicity": 0}
    h = {k: 0 for k in TOX_HEADS}
    h["spam"] = 0
    return h


def load_extra_csv(path, info: DatasetInfo | str = SITE_DECISIONS, limit: int | None = None) -> list[Record]:
    """Records of one normalized CSV (``text,lang,label[,source_id,...]``,
    label ``toxic|spam|clean``).  Rows with an empty text or another label are
    skipped; a ``lang`` other than fr/en is detected from the text."""
    if isinstance(info, str):
        info = extra_dataset_info(info, path)
    csv.field_size_limit(2**31 - 1)
    out: list[Record] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs a header with at least text and label columns")
        for row in reader:
            text = row.get("text") or ""
            label = (row.get("label") or "").strip().lower()
            if not text.strip() or label not in _EXTRA_LABELS:
                continue
            lang = (row.get("lang") or "").strip().lower()[:2]
            if lang not in ("fr", "en"):
                lang = detect_language(text)
                lang = lang if lang in ("fr", "en") else "en"
            out.append(Record(text=text, lang=lang, dataset=info.name, label=label, heads=_extra_heads(label),
                              extra={"source_id": row.get("source_id") or ""}, info=info))
            if limit and len(out) >= limit:
                break
    return out
