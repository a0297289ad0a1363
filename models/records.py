"""One labeled comment as the training and evaluation code see it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .datasets import DATASETS, DatasetInfo

__all__ = ["Record"]


@dataclass
class Record:
    text: str
    lang: str
    dataset: str
    label: str                       # toxic | clean | spam
    heads: dict                      # head -> 0/1 (missing = unknown)
    post_id: str = ""                # conversation / article id ("" = none)
    context: str = ""                # post title + text or parent comment
    context_kind: str = ""           # "post" | "parent" | "thread"
    group_key: str = ""              # extra grouping key (e.g. Jigsaw id shared with the MT copy)
    norm: str = ""
    group: int = -1
    split: str = ""
    extra: dict = field(default_factory=dict)   # e.g. author_url, site_url, rationale offsets
    info: DatasetInfo | None = None  # the dataset's catalogue entry (license, use)

    def __post_init__(self):
        if self.info is None:
            self.info = DATASETS[self.dataset]
