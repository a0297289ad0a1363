"""Moderator decisions as training data, and the retraining job.

`export_decisions` reads the audit trail: for each comment, its LATEST human decision
(any actor but "auto", the model; history imports, actors "import*", count: they are a
site's real past moderation) becomes one labeled row when it is an approve or a reject
with a clear reason:

==========================  =========
latest human action         label
==========================  =========
approve                     clean
reject, reason toxic        toxic
reject, reason spam         spam
reject, off_topic / other   skipped (no off-topic label in the training format; ambiguous)
hold, undo, anything else   skipped
==========================  =========

`train_job` exports them to `<data_dir>/training/decisions-<UTC timestamp>.csv` and
trains a new artifact into `<data_dir>/models/<version>` with the shared public data plus
those rows (dataset `site_decisions`). It never touches the bundled artifact nor any
"current" pointer: the admin promotes a model by pointing COLOMBE_MODEL_DIR at it.

No Flask here; `models` is imported only inside `train_job` (numpy, scikit-learn).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.tables import Comment, ModerationAction
from .enqueue import TRAIN_TASK, TRAINING_QUEUE  # noqa: F401  (re-exported)

log = logging.getLogger("colombe.training")

CSV_FIELDS = ("text", "lang", "label", "source_id")
AUTO_ACTOR = "auto"


def decision_label(action: str, reason: str | None) -> str | None:
    """Training label of one human action, None when it teaches nothing clear."""
    if action == "approve":
        return "clean"
    if action == "reject":
        return {"toxic": "toxic", "spam": "spam"}.get((reason or "").strip().lower())
    return None


def _lang(value: str | None) -> str:
    lang = (value or "").strip().lower()[:2]
    return lang if lang in ("fr", "en") else ""  # empty: the model side detects it from the text


def export_decisions(session: Session, site_ids: Iterable[str] | None = None) -> list[dict]:
    """One `{"text", "lang", "label", "source_id"}` row per comment whose latest human
    decision is an approve or a clear reject (see the module docstring). `source_id` is
    `<site_id>:<comment id>`; `lang` is "fr", "en" or "" (unknown). Ordered by comment id."""
    human = ModerationAction.actor != AUTO_ACTOR
    latest = select(func.max(ModerationAction.id).label("id")).where(human)
    site_ids = list(site_ids) if site_ids else None
    if site_ids:
        latest = latest.where(ModerationAction.site_id.in_(site_ids))
    latest = latest.group_by(ModerationAction.comment_id).subquery()
    stmt = (
        select(Comment.id, Comment.site_id, Comment.text, Comment.lang, ModerationAction.action,
               ModerationAction.reason)
        .join(ModerationAction, ModerationAction.comment_id == Comment.id)
        .join(latest, latest.c.id == ModerationAction.id)
        .order_by(Comment.id)
    )
    rows: list[dict] = []
    for cid, site_id, text, lang, action, reason in session.execute(stmt).yield_per(2000):
        label = decision_label(action, reason)
        if label is None or not (text or "").strip():
            continue
        rows.append({"text": text, "lang": _lang(lang), "label": label, "source_id": f"{site_id}:{cid}"})
    return rows


def write_decisions_csv(rows: Iterable[dict], path: str | os.PathLike) -> int:
    """Write rows in the shared data's normalized CSV format (header `text,lang,label,
    source_id`, UTF-8), atomically. Returns the number of rows written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_FIELDS), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k) or "" for k in CSV_FIELDS})
            n += 1
    os.replace(tmp, path)
    return n


def _timestamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def train_job(settings, site_ids: list[str] | None = None, limit_per_dataset: int | None = None,
              progress: bool = False, training_data_dir: str | os.PathLike | None = None) -> dict:
    """Export the decisions, train a new artifact under `<data_dir>/models/`, return
    `{"artifact", "version", "decisions", "decisions_csv", "summary"}`. Without any
    decision nothing is trained (`artifact` None): it would only rebuild the public model.
    `training_data_dir`: the shared public data (default: `settings.training_data_dir`,
    i.e. COLOMBE_TRAINING_DATA; unset: the model package's default, <repo>/../shared/data)."""
    from ..db.session import session_scope

    say = _say if progress else (lambda _msg: None)
    say("colombe retrain: reading the moderators' decisions…")
    data_dir = Path(settings.data_dir)
    with session_scope(settings.database_url) as session:
        rows = export_decisions(session, site_ids)
    say(f"colombe retrain: {len(rows)} decision(s) to learn from")
    result = {"artifact": None, "version": None, "decisions": len(rows), "decisions_csv": None,
              "labels": {lab: sum(r["label"] == lab for r in rows) for lab in ("clean", "toxic", "spam")},
              "summary": {}}
    if not rows:
        log.warning("no moderator decisions to train on", extra={"site_ids": site_ids})
        return result
    csv_path = data_dir / "training" / f"decisions-{_timestamp()}.csv"
    write_decisions_csv(rows, csv_path)
    result["decisions_csv"] = str(csv_path)

    say("colombe retrain: loading the training code (scikit-learn)…")
    from models.train import new_version_name, train

    models_dir = data_dir / "models"
    models_dir.mkdir(parents=True, exist_ok=True)
    out_dir = models_dir / new_version_name(models_dir)
    log.info("training started", extra={"decisions": len(rows), "out": str(out_dir)})
    with _ticking(progress):
        out = train(data_dir=training_data_dir or settings.training_data_dir, out_dir=out_dir, progress=progress,
                    set_current=False, limit_per_dataset=limit_per_dataset, extra_csv=[csv_path], log=log.info)
    manifest = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    result.update(artifact=str(out), version=manifest["version"], summary=manifest.get("evaluation_summary", {}))
    log.info("training done", extra={"artifact": str(out), "version": manifest["version"]})
    return result


def _say(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def _rss_mb() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (OSError, ValueError, IndexError):
        return None


class _ticking:
    """While training runs, redraw its progress bar every second with the elapsed time and the
    process's memory: a step of the model training can take minutes without an update."""

    def __init__(self, enabled: bool, every_s: float = 1.0):
        self.enabled = enabled
        self.every_s = every_s
        self._stop = None
        self._thread = None

    def __enter__(self):
        if not self.enabled:
            return self
        import threading

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="colombe-retrain-progress", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from tqdm import tqdm

        while not self._stop.wait(self.every_s):
            rss = _rss_mb()
            for bar in list(getattr(tqdm, "_instances", ())):
                try:
                    base = (bar.desc or "").split(" · ")[0] or "colombe train"
                    bar.set_description_str(f"{base} · {rss} MB" if rss else base, refresh=False)
                    bar.refresh()
                except Exception:  # a bar closing under us: next tick
                    pass

    def __exit__(self, *exc):
        if self._stop is not None:
            self._stop.set()
            self._thread.join(2)
        return False

