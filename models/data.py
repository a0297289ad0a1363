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
spam                YouTube spam / Instagram scam = 1, their ham = 0; rows of
                    the toxicity sets are spam = 0 (down-weighted).
==================  ==========================================================
"""
from __future__ import annotations

import csv
import hashlib
import os
import pathlib
import re
from dataclasses import dataclass, field

from .text import normalize, normalize_batch

__all__ = ["DATASETS", "Record", "load_records", "default_data_dir", "assign_groups_and_splits",
           "TOX_HEADS", "SITE_DECISIONS", "extra_dataset_info", "extra_dataset_names", "extra_datasets",
           "load_extra_csv"]

NEUTRAL = "colombe_neutral_comments"
TOX_HEADS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene")


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    license: str
    trainable: bool          # permissive license: may train the shipped model
    kind: str                # "toxicity" | "spam" | "site" (a site's own decisions: toxic, spam and clean)
    citation: str
    url: str
    mt: bool = False         # machine translated: training augmentation only
    synthetic: bool = False  # written for this project (models/neutral.py): training augmentation only

    @property
    def train_only(self) -> bool:
        """Augmentation rows: always in the train split, never evaluated."""
        return self.mt or self.synthetic


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in [
    DatasetInfo("mlma_hate_speech", "MIT", True, "toxicity",
                "Ousidhoum et al. (2019) Multilingual and Multi-Aspect Hate Speech Analysis. EMNLP.",
                "https://github.com/HKUST-KnowComp/MLMA_hate_speech"),
    DatasetInfo("ftr_french_racism", "MIT", True, "toxicity",
                "Vanetik, N. and Mimoun, E. (2022) Detection of racist language in French tweets. Information 13(7):318.",
                "https://github.com/NataliaVanetik/FTR-dataset"),
    DatasetInfo("toxifrench", "MIT", True, "toxicity",
                "Delaval et al. (2025) ToxiFrench: Benchmarking and Enhancing Language Models via CoT Fine-Tuning for French Toxicity Detection. arXiv:2508.11281.",
                "https://github.com/AxelDlv00/ToxiFrench"),
    DatasetInfo("cyberagression_ado_large", "CC BY-NC 4.0 (non-commercial)", False, "toxicity",
                "Ollagnier et al. (2022) CyberAgressionAdo-v1. LREC 2022; extended: https://hal.science/hal-04514689",
                "https://github.com/aollagnier/CyberAgression-Large"),
    DatasetInfo("davidson_hate_offensive", "MIT", True, "toxicity",
                "Davidson et al. (2017) Automated Hate Speech Detection and the Problem of Offensive Language. ICWSM.",
                "https://github.com/t-davidson/hate-speech-and-offensive-language"),
    DatasetInfo("fox_news_comments", "MIT", True, "toxicity",
                "Gao, L. and Huang, R. (2017) Detecting Online Hate Speech Using Context Aware Models. RANLP.",
                "https://github.com/sjtuprog/fox-news-comments"),
    DatasetInfo("sfu_ctc", "CC BY-NC-SA 4.0 (non-commercial)", False, "toxicity",
                "Kolhatkar and Taboada (2017) Constructive Language in News Comments. ALW; Kolhatkar et al. (2019) The SFU Opinion and Comments Corpus.",
                "https://github.com/sfu-discourse-lab/SOCC"),
    DatasetInfo("wikipedia_toxicity_subsets", "CC0 labels; texts CC BY-SA 3.0", True, "toxicity",
                "Thain, Dixon, Wulczyn (2017) Wikipedia Talk Labels: Toxicity; Wulczyn et al. (2017) Ex Machina. WWW; Jigsaw (2018) Toxic Comment Classification Challenge; Dixon et al. (2018) AIES.",
                "https://github.com/conversationai/unintended-ml-bias-analysis"),
    DatasetInfo("jigsaw_subset_fr_machine_translated", "CC0 / CC BY-SA 3.0 / MIT", True, "toxicity",
                "Jigsaw (2018) Toxic Comment Classification Challenge; translations: Delaval et al. (2025) ToxiFrench.",
                "https://github.com/AxelDlv00/ToxiFrench", mt=True),
    DatasetInfo("youtube_spam_collection", "CC BY 4.0", True, "spam",
                "Alberto, Lochter, Almeida (2015) TubeSpam: Comment Spam Filtering on YouTube. ICMLA.",
                "https://archive.ics.uci.edu/dataset/380/youtube+spam+collection"),
    DatasetInfo("civil_comments_toxic_spans", "CC0", True, "toxicity",
                "Pavlopoulos et al. (2022) From the Detection of Toxic Spans in Online Discussions to the Analysis of Toxic-to-Civil Transfer. ACL; Borkan et al. (2019).",
                "https://github.com/ipavlopoulos/toxic_spans"),
    DatasetInfo("wikipedia_talk_context", "Apache-2.0 ratings; texts CC BY-SA 3.0", True, "toxicity",
                "Pavlopoulos et al. (2020) Toxicity Detection: Does Context Really Matter? ACL.",
                "https://github.com/ipavlopoulos/context_toxicity"),
    DatasetInfo("stormfront_hate_sentences", "CC BY-SA 3.0", True, "toxicity",
                "de Gibert et al. (2018) Hate Speech Dataset from a White Supremacy Forum. ALW2.",
                "https://github.com/Vicomtech/hate-speech-dataset"),
    DatasetInfo("hatexplain_val_test", "MIT", True, "toxicity",
                "Mathew et al. (2021) HateXplain: A Benchmark Dataset for Explainable Hate Speech Detection. AAAI.",
                "https://github.com/hate-alert/HateXplain"),
    DatasetInfo("convabuse", "CC BY 4.0", True, "toxicity",
                "Cercas Curry, Abercrombie, Rieser (2021) ConvAbuse. EMNLP.",
                "https://github.com/amandacurry/convabuse"),
    DatasetInfo("instagram_scam_comments", "MIT", True, "spam",
                "Erben, S. (2023) ScamSpot: detecting scam comments on Instagram.",
                "https://github.com/ScamSpot"),
    DatasetInfo("colombe_neutral_comments", "MIT (written for Colombe)", True, "toxicity",
                "Colombe project (2026): neutral French and English comments generated from the project's own "
                "templates (models/neutral.py), after Dixon et al. (2018) Measuring and Mitigating Unintended "
                "Bias in Text Classification. AIES.",
                "models/neutral.py", synthetic=True),
    DatasetInfo("ucc_unhealthy_comments", "CC BY-NC-SA 4.0 (non-commercial)", False, "toxicity",
                "Price et al. (2020) Six Attributes of Unhealthy Conversations. WOAH.",
                "https://github.com/conversationai/unhealthy-conversations"),
]}


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
    extra: dict = field(default_factory=dict)


def repo_root() -> pathlib.Path:
    return pathlib.Path(__file__).resolve().parent.parent


def default_data_dir() -> pathlib.Path:
    env = os.environ.get("COLOMBE_TRAINING_DATA")
    if env:
        return pathlib.Path(env)
    return (repo_root().parent / "shared" / "data").resolve()


def _b(v: str | None) -> int | None:
    if v is None:
        return None
    v = v.strip().lower()
    if v in ("1", "1.0", "true"):
        return 1
    if v in ("0", "0.0", "false"):
        return 0
    return None


def _derive_heads(ds: str, row: dict) -> dict:
    label = row["label"]
    h: dict[str, int] = {}
    if DATASETS[ds].kind == "spam":
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
    elif ds == "fox_news_comments":
        pass
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


def load_records(data_dir: str | os.PathLike | None = None, datasets=None,
                 include_nc: bool = True, limit_per_dataset: int | None = None,
                 extra: list | None = None) -> list[Record]:
    """``extra``: ``[(dataset_name, csv_path), ...]`` registered with
    ``extra_datasets`` (a site's own decisions), loaded after the shared sets."""
    data_dir = pathlib.Path(data_dir) if data_dir else default_data_dir()
    csv.field_size_limit(2**31 - 1)
    out: list[Record] = []
    for ds, info in DATASETS.items():
        if datasets and ds not in datasets:
            continue
        if info.kind == "site":
            continue             # extra CSVs: loaded below from their own paths
        if not include_nc and not info.trainable:
            continue
        path = data_dir / ds / f"{ds}.csv"
        if not path.exists():
            continue
        n = 0
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
                             heads=_derive_heads(ds, row), post_id=pid, context=ctx, context_kind=kind,
                             group_key=gk)
                if ds == "civil_comments_toxic_spans":
                    rec.extra["rationale_offsets"] = row.get("rationale_offsets") or ""
                out.append(rec)
                n += 1
                if limit_per_dataset and n >= limit_per_dataset:
                    break
    if (not datasets or NEUTRAL in datasets) and NEUTRAL in DATASETS:
        from .neutral import neutral_comments
        for text, lang in neutral_comments():
            out.append(Record(text=text, lang=lang, dataset=NEUTRAL, label="clean",
                              heads=_derive_heads(NEUTRAL, {"label": "clean"})))
    for name, path in extra or ():
        if datasets and name not in datasets:
            continue
        out.extend(load_extra_csv(path, name, limit=limit_per_dataset))
    # conversations: the context of a chat line is the rest of its conversation
    _thread_contexts(out, "cyberagression_ado_large")
    _thread_contexts(out, "toxifrench")
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


# ---------------------------------------------------------------------------
# dedup + grouping + split

_NONLETTER = re.compile(r"[^a-z]+")


class _UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, a):
        p = self.p
        while p[a] != a:
            p[a] = p[p[a]]
            a = p[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def _bucket(key: str, seed: int) -> float:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def assign_groups_and_splits(recs: list[Record], seed: int = 13,
                             fractions=(0.7, 0.1, 0.2)) -> list[Record]:
    """Normalize, drop exact duplicates (same normalized text inside a dataset
    with the same label; conflicting labels: all copies dropped), group
    near-copies (same letters-only skeleton, or same 40-letter prefix or
    suffix, or the same Jigsaw id for original + translation) with union-find,
    then split whole groups: train / valid / test.  Machine-translated rows
    may only be in train (dropped otherwise)."""
    todo = [r for r in recs if not r.norm]
    for s0 in range(0, len(todo), 1000):
        chunk = todo[s0: s0 + 1000]
        for r, nm in zip(chunk, normalize_batch([r.text for r in chunk])):
            r.norm = nm
    # exact dedupe per dataset on normalized text
    seen: dict[tuple[str, str], int] = {}
    conflict: set[tuple[str, str]] = set()
    keep: list[Record] = []
    for r in recs:
        k = (r.dataset, r.norm)
        if k in seen:
            if keep[seen[k]].label != r.label:
                conflict.add(k)
            continue
        seen[k] = len(keep)
        keep.append(r)
    keep = [r for r in keep if (r.dataset, r.norm) not in conflict and r.norm]
    uf = _UF(len(keep))
    first: dict[str, int] = {}
    for i, r in enumerate(keep):
        sk = _NONLETTER.sub("", r.norm.replace("xurlx", "").replace("xuserx", "").replace("xemailx", ""))
        keys = ["s:" + sk] if sk else ["n:" + r.norm]
        if len(sk) >= 40:
            keys += ["p:" + sk[:40], "e:" + sk[-40:]]
        if r.group_key:
            keys.append(r.group_key)
        for k in keys:
            j = first.setdefault(k, i)
            if j != i:
                uf.union(i, j)
    roots = [uf.find(i) for i in range(len(keep))]
    # group id = the normalized text of the root (stable across runs)
    out: list[Record] = []
    a, b, _ = fractions
    for i, r in enumerate(keep):
        root = keep[roots[i]]
        gid = root.norm
        r.group = roots[i]
        u = _bucket(gid, seed)
        r.split = "train" if u < a else ("valid" if u < a + b else "test")
        if DATASETS[r.dataset].synthetic:
            r.split = "train"
        if DATASETS[r.dataset].mt and r.split != "train":
            continue
        out.append(r)
    return out


# ---------------------------------------------------------------------------
# a site's own moderation decisions (``colombe train --extra PATH``)

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


class extra_datasets:
    """Context manager: register the DatasetInfo of extra CSVs in ``DATASETS``
    for the duration of one training run and remove them afterwards, so two
    calls in one process never see each other's extra datasets (the rest of
    the training and evaluation code looks datasets up in ``DATASETS``).
    Yields the ``[(name, path), ...]`` pairs.  Not thread-safe: one training
    run per process at a time (the ``training`` queue runs with ``-c 1``)."""

    def __init__(self, paths):
        self.paths = [pathlib.Path(p) for p in (paths or ())]
        self.pairs: list[tuple[str, pathlib.Path]] = []

    def __enter__(self):
        for name, path in zip(extra_dataset_names(self.paths), self.paths):
            if name in DATASETS:
                raise ValueError(f"dataset {name!r} is already registered")
            DATASETS[name] = extra_dataset_info(name, path)
            self.pairs.append((name, path))
        return self.pairs

    def __exit__(self, *exc):
        for name, _ in self.pairs:
            DATASETS.pop(name, None)
        return False


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


def load_extra_csv(path, dataset: str = SITE_DECISIONS, limit: int | None = None) -> list[Record]:
    """Records of one normalized CSV (``text,lang,label[,source_id,...]``,
    label ``toxic|spam|clean``).  Rows with an empty text or another label are
    skipped; a ``lang`` other than fr/en is detected from the text."""
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
                from .lang import detect_language
                lang = detect_language(text)
                lang = lang if lang in ("fr", "en") else "en"
            out.append(Record(text=text, lang=lang, dataset=dataset, label=label, heads=_extra_heads(label),
                              extra={"source_id": row.get("source_id") or ""}))
            if limit and len(out) >= limit:
                break
    return out
