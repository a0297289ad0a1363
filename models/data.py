"""Loading the shared labeled data, deriving per-head labels, deduplicating
and splitting without leakage.

Nothing here copies data into the repository: everything is read from the
shared data folder (``<repo>/../shared/data`` by default).

Per-head label derivation (``None`` = unknown: the row does not train/evaluate
that head).  Every ``clean`` row of a toxicity dataset is 0 for every toxicity
head.  For ``toxic`` rows:

==================  ==========================================================
head                source of the label
==================  ==========================================================
toxicity            the dataset's own toxic/clean label (all toxicity sets)
severe_toxicity     Jigsaw ``severe_toxic`` (Wikipedia sample + its French MT);
                    ConvAbuse ``very_strong`` abuse = 1, ``mild`` = 0;
                    Davidson unanimous hate = 1, offensive-without-hate-votes = 0.
                    WEAKLY SUPERVISED (few, heterogeneous positives).
insult              Jigsaw ``insult``; Civil Comments span type ``Insult``
                    (1 if any majority span is an insult, 0 if spans exist and
                    none is); ConvAbuse ``intellectual`` abuse = 1.
threat              Jigsaw ``threat``; Civil Comments span type ``Threat``.
identity_attack     Jigsaw ``identity_hate``; Civil span type ``Identity based
                    Attack``; FTR racist, Stormfront hate, HateXplain
                    ``hatespeech``, MLMA labels containing ``hateful``, Davidson
                    ``hate_speech`` = 1; ConvAbuse racist/sexist/homophobic/
                    transphobic = 1.  WEAKLY SUPERVISED outside Jigsaw/Civil.
obscene             Jigsaw ``obscene``; Civil span type ``Profane/Obscene``;
                    Davidson ``offensive_language`` = 1 (mostly profanity, weak);
                    ConvAbuse ``sex_harassment`` = 1.
spam                YouTube spam / Instagram scam / the project's written blog
                    spam = 1, their ham = 0; rows of the toxicity sets are
                    spam = 0 (down-weighted).
==================  ==========================================================
"""
from __future__ import annotations

import csv
import hashlib
import os
import pathlib

from .datasets import DATASETS, FUNCTIONAL, NEUTRAL, TOX_HEADS, DatasetInfo
from .records import Record
from .extra import SITE_DECISIONS, extra_catalogue, extra_dataset_names, load_extra_csv
from .splits import assign_groups_and_splits

__all__ = ["DATASETS", "Record", "load_records", "default_data_dir", "assign_groups_and_splits", "derive_heads",
           "TOX_HEADS", "NEUTRAL", "SITE_DECISIONS", "extra_catalogue", "extra_dataset_names", "load_extra_csv"]


def repo_root() -> pathlib.Path:
    return pathlib.Path(__file__).resolve().parent.parent


def default_data_dir() -> pathlib.Path:
    """``<repo>/../shared/data`` (the service passes ``COLOMBE_TRAINING_DATA`` from its
    settings when it is set)."""
    return (repo_root().parent / "shared" / "data").resolve()


class TrainingDataError(RuntimeError):
    """The training data cannot train a model (missing folder, no rows, a label with one class)."""


def shared_data_problem(data_dir: str | os.PathLike) -> str | None:
    """Why ``data_dir`` is not a usable shared data folder, or None when it is: it must hold
    at least one shared set as ``<name>/<name>.csv`` with a header and one row."""
    path = pathlib.Path(data_dir)
    if not path.is_dir():
        return f"{path} is not a folder" if path.exists() else f"{path} does not exist"
    for info in DATASETS.values():
        if info.synthetic:
            continue
        csv_path = path / info.name / f"{info.name}.csv"
        try:
            with open(csv_path, encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                if "text" in next(reader, []) and next(reader, None) is not None:
                    return None
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
    return f"{path} holds none of the shared data sets (<name>/<name>.csv, e.g. {path / 'toxifrench' / 'toxifrench.csv'})"


def _b(v: str | None) -> int | None:
    if v is None:
        return None
    v = v.strip().lower()
    if v in ("1", "1.0", "true"):
        return 1
    if v in ("0", "0.0", "false"):
        return 0
    return None


def derive_heads(ds: str, kind: str, row: dict) -> dict:
    label = row["label"]
    h: dict[str, int] = {}
    if kind == "spam":
        h["spam"] = 1 if label == "spam" else 0
        if label != "spam":
            for k in TOX_HEADS:      # ham comments on videos / posts are not toxic
                h[k] = 0
        else:
            h["toxicity"] = 0
        return h
    h["spam"] = 0
    tox = 1 if label == "toxic" else 0
    h["toxicity"] = tox
    if not tox:
        for k in TOX_HEADS:
            h[k] = 0
        return h
    fl = (row.get("fine_label") or "").lower()
    if ds in ("wikipedia_toxicity_subsets", "jigsaw_subset_fr_machine_translated"):
        for src, dst in (("severe_toxic", "severe_toxicity"), ("insult", "insult"), ("threat", "threat"),
                         ("identity_hate", "identity_attack"), ("obscene", "obscene")):
            v = _b(row.get(src))
            if v is not None:
                h[dst] = v
    elif ds == "civil_comments_toxic_spans":
        types = [t.strip() for t in (row.get("rationale_types") or "").split("|") if t.strip()]
        if types:
            h["insult"] = int("Insult" in types)
            h["threat"] = int("Threat" in types)
            h["identity_attack"] = int("Identity based Attack" in types)
            h["obscene"] = int("Profane/Obscene" in types)
    elif ds == "davidson_hate_offensive":
        n_hate = int(row.get("n_hate") or 0)
        n_ann = int(row.get("n_annotators") or 0)
        if fl == "hate_speech":
            h["identity_attack"] = 1
            if n_ann and n_hate == n_ann:
                h["severe_toxicity"] = 1
        elif fl == "offensive_language":
            h["obscene"] = 1
            if n_hate == 0:
                h["severe_toxicity"] = 0
                h["identity_attack"] = 0
    elif ds == "convabuse":
        sev = row.get("abuse_severity") or ""
        if sev == "very_strong":
            h["severe_toxicity"] = 1
        elif sev == "mild":
            h["severe_toxicity"] = 0
        types = set((row.get("abuse_types") or "").split(";")) - {""}
        if types & {"racist", "sexist", "homophobic", "transphobic"}:
            h["identity_attack"] = 1
        if "sex_harassment" in types:
            h["obscene"] = 1
        if "intellectual" in types:
            h["insult"] = 1
    elif ds in ("ftr_french_racism", "stormfront_hate_sentences"):
        h["identity_attack"] = 1
    elif ds == "hatexplain_val_test":
        if fl == "hatespeech":
            h["identity_attack"] = 1
    elif ds == "mlma_hate_speech":
        if "hateful" in fl:
            h["identity_attack"] = 1
    elif ds == FUNCTIONAL:
        h["threat"] = 1 if row.get("threat") else 0
        h["identity_attack"] = 1 if row.get("identity_hate") else 0
    return h


def _context(ds: str, row: dict) -> tuple[str, str, str]:
    """(post_id, context_text, kind)"""
    if ds == "fox_news_comments":
        return row.get("post_id", ""), " ".join(x for x in (row.get("post_title"), row.get("post_text")) if x), "post"
    if ds == "sfu_ctc":
        return row.get("post_id", ""), row.get("post_title") or "", "post"
    if ds == "wikipedia_talk_context":
        rt = row.get("reply_to") or ""
        return ("wtc:" + hashlib.md5(rt.encode()).hexdigest()[:12] if rt else ""), rt, "parent"
    if ds == "convabuse":
        rt = row.get("reply_to") or ""
        return (row.get("post_id") or ""), rt, "parent"
    if ds == "stormfront_hate_sentences":
        full = row.get("full_comment") or ""
        if full:
            ctx = full.replace(row["text"], " ").strip()
            if len(ctx) > 20:
                return row.get("comment_id", ""), ctx, "thread"
        return "", "", ""
    if ds in ("youtube_spam_collection", "instagram_scam_comments"):
        return row.get("post_id", ""), row.get("post_title") or "", "post"
    if ds == "cyberagression_ado_large":
        return row.get("post_id", ""), "", "thread"   # filled from the conversation later
    if ds == "toxifrench":
        tid = row.get("topic_id") or ""
        return tid, "", "thread" if tid else ""
    return "", "", ""


def _written_rows(info: DatasetInfo) -> list[Record]:
    from .augment import augmentation_rows
    out = []
    for row in augmentation_rows(info.name):
        ctx = " ".join(x for x in (row.get("post_title"), row.get("post_text")) if x)
        extra = {k: row[k] for k in ("author_url", "site_url", "post_title", "spam_by_fields", "fine_label") if row.get(k)}
        out.append(Record(text=row["text"], lang=row["lang"], dataset=info.name, label=row["label"],
                          heads=derive_heads(info.name, info.kind, row), info=info,
                          post_id=row.get("post_id", ""), context=ctx, context_kind="post" if ctx else "",
                          extra=extra))
    return out


def load_records(data_dir: str | os.PathLike | None = None, datasets=None,
                 include_nc: bool = True, limit_per_dataset: int | None = None,
                 extra: list | None = None, extra_limit: int | None | str = "same") -> list[Record]:
    """Every row of the shared sets, then the rows written for the project,
    then ``extra``: ``[(DatasetInfo, csv_path), ...]`` from ``extra_catalogue``
    (a site's own decisions).  ``datasets``: only these names.  ``extra_limit``:
    the cap of each extra CSV (default: ``limit_per_dataset``)."""
    data_dir = pathlib.Path(data_dir) if data_dir else default_data_dir()
    csv.field_size_limit(2**31 - 1)
    out: list[Record] = []
    for ds, info in DATASETS.items():
        if datasets and ds not in datasets:
            continue
        if not include_nc and not info.trainable:
            continue
        if info.synthetic:
            out.extend(_written_rows(info)[:limit_per_dataset * 4 if limit_per_dataset else None])
            continue
        out.extend(_read_shared(data_dir, info, limit_per_dataset))
    for info, path in extra or ():
        if datasets and info.name not in datasets:
            continue
        out.extend(load_extra_csv(path, info, limit=limit_per_dataset if extra_limit == "same" else extra_limit))
    # conversations: the context of a chat line is the rest of its conversation
    _thread_contexts(out, "cyberagression_ado_large")
    _thread_contexts(out, "toxifrench")
    return out


def _read_shared(data_dir: pathlib.Path, info: DatasetInfo, limit: int | None) -> list[Record]:
    ds = info.name
    path = data_dir / ds / f"{ds}.csv"
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = row.get("text") or ""
            if not text.strip():
                continue
            pid, ctx, kind = _context(ds, row)
            gk = ""
            if ds == "jigsaw_subset_fr_machine_translated" or (
                    ds == "wikipedia_toxicity_subsets" and row.get("subset", "").startswith("jigsaw2018_train")):
                gk = "jigsaw:" + row.get("source_id", "")
            rec = Record(text=text, lang=row.get("lang") or "en", dataset=ds, label=row["label"],
                         heads=derive_heads(ds, info.kind, row), post_id=pid, context=ctx, context_kind=kind,
                         group_key=gk, info=info)
            if ds == "civil_comments_toxic_spans":
                rec.extra["rationale_offsets"] = row.get("rationale_offsets") or ""
            for k in ("post_title", "author", "account"):
                if row.get(k):
                    rec.extra[k] = row[k]
            ident = row.get("target") if ds == "hatexplain_val_test" else row.get("group") if ds == "mlma_hate_speech" else ""
            if ident:                       # identity groups: the unintended-bias metrics (bias.py)
                rec.extra["identity"] = [t.strip() for t in ident.split(";") if t.strip() and t.strip() != "other"]
            out.append(rec)
            if limit and len(out) >= limit:
                break
    return out


def _thread_contexts(recs: list[Record], ds: str, max_lines: int = 25) -> None:
    by: dict[str, list[Record]] = {}
    for r in recs:
        if r.dataset == ds and r.post_id:
            by.setdefault(r.post_id, []).append(r)
    for pid, rs in by.items():
        if len(rs) < 2:
            for r in rs:
                r.post_id, r.context_kind = "", ""
            continue
        for i, r in enumerate(rs):
            others = [o.text for j, o in enumerate(rs) if j != i]
            # deterministic subset: lines around this one
            lo = max(0, i - max_lines // 2)
            r.context = " ".join(others[lo: lo + max_lines])


