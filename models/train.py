"""Training every head reproducibly from the shared data.

    colombe train --data ../shared/data [--out models/artifacts/<version>] [--set-current]

Only datasets with a permissive license train the model (``DATASETS[..].trainable``);
the non-commercial ones are scored as independent evaluation sets.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import pathlib
import random
import re
import shutil
import time
from collections import Counter, defaultdict

import numpy as np
import scipy.sparse as sp

from . import registry
from .calibration import fit_isotonic
from .data import DATASETS, Record, assign_groups_and_splits, default_data_dir, extra_datasets, load_records
from .features import PAIR_FEATURE_NAMES, FeatureConfig, Featurizer, pair_features
from .lang import _EN_WORDS, _FR_WORDS, detect_language
from .registry import ARTIFACTS_DIR, FORMAT_VERSION, TEXT_HEADS, _sha256, library_versions

__all__ = ["TrainParams", "train", "new_version_name", "build_pairs"]

DEFAULT_PARAMS = {
    "seed": 13,
    "split_fractions": [0.7, 0.1, 0.2],
    "C": 4.0,                       # inverse L2 strength of the logistic regressions
    "class_weight_alpha": 0.5,      # each (dataset, lang, class) group weighs n_g ** (1 - alpha) in total
    "lang_heads": {"fr": {"toxicity": {"name": "toxicity_fr", "other_lang_weight": 0.05}}},
    "spam_other_weight": 0.15,      # weight factor of toxicity-set rows as spam negatives
    "neutral_weight": 0.4,          # weight factor of the project's neutral comments (models/neutral.py)
    "offtopic_bins": 10,
    "offtopic_C": 1.0,
    "offtopic_same_dataset_share": 0.7,
    "features": FeatureConfig().to_json(),
}

EXTRA_STOPSTEMS = ("xurlx", "xuserx", "xemai", "emjla", "would", "could", "shoul", "there", "their",
                   "about", "peopl", "think", "reall", "comme", "parce", "faire", "etait", "quand", "toute")


def stopstems() -> list[str]:
    ws = {w.replace("'", "")[:5] for w in (_FR_WORDS | _EN_WORDS) if len(w) >= 4}
    return sorted(ws | set(EXTRA_STOPSTEMS))


def new_version_name(parent: pathlib.Path = ARTIFACTS_DIR) -> str:
    """``colombe-<day>-<n>``, n one past the highest of that day (never reused after a prune)."""
    day = _dt.datetime.now(_dt.timezone.utc).strftime("%Y.%m.%d")
    taken = [int(m.group(1)) for p in parent.glob(f"colombe-{day}-*")
             if (m := re.fullmatch(rf"colombe-{re.escape(day)}-(\d+)", p.name))]
    return f"colombe-{day}-{max(taken, default=0) + 1}"


def _progress(total, desc, enabled):
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, disable=not enabled, unit="step", dynamic_ncols=True)


def _group_weights(keys: list, alpha: float) -> np.ndarray:
    cnt = Counter(keys)
    w = np.array([cnt[k] ** (-alpha) for k in keys], dtype=np.float64)
    return w / w.mean() if len(w) else w


def head_training_rows(recs: list[Record], head: str, split: str, params: dict, trainable_only=True,
                       lang: str | None = None, other_lang_weight: float = 1.0):
    """Rows, labels and weights for one head.  With ``lang``, rows of other
    languages keep ``other_lang_weight`` of their weight (0 = dropped)."""
    idx, y, keys, extra = [], [], [], []
    for i, r in enumerate(recs):
        if r.split != split:
            continue
        if trainable_only and not DATASETS[r.dataset].trainable:
            continue
        v = r.heads.get(head)
        if v is None:
            continue
        if lang and r.lang != lang and other_lang_weight <= 0:
            continue
        idx.append(i)
        y.append(v)
        if head == "spam" and DATASETS[r.dataset].kind not in ("spam", "site"):
            keys.append(("other", r.dataset, v))
            extra.append(params["spam_other_weight"])
        else:
            keys.append((r.dataset, r.lang, v))
            extra.append((1.0 if (not lang or r.lang == lang) else other_lang_weight) *
                         (params.get("neutral_weight", 1.0) if DATASETS[r.dataset].synthetic else 1.0))
    w = _group_weights(keys, params["class_weight_alpha"]) * np.array(extra)
    if head == "spam":
        # the spam sets' groups each weigh as much as all "other" rows together
        w = w / w.mean()
    return np.array(idx, dtype=np.int64), np.array(y, dtype=np.int64), w


def fit_logreg(X, y, w, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=C, solver="liblinear", random_state=seed, max_iter=200)
    clf.fit(X, y, sample_weight=w)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


# ---------------------------------------------------------------------------
# off-topic pairs

def build_pairs(recs: list[Record], split: str, seed: int, same_share: float, trainable_only=True,
                negatives: str = "mixed"):
    """Return list of (record_index, context_text, label, dataset, lang).
    label 1 = off-topic: the comment paired with another post/thread
    (negative sampling), or a spam comment under its own post.
    ``negatives``: "mixed" (training: same dataset with probability
    ``same_share``, else any dataset), "same_dataset" or "same_lang"."""
    rng = random.Random(f"{seed}:{split}:{negatives}")
    pool = [i for i, r in enumerate(recs) if r.split == split and r.context and r.post_id
            and (DATASETS[r.dataset].trainable or not trainable_only)]
    by_ds: dict[str, list[int]] = defaultdict(list)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i in pool:
        by_ds[recs[i].dataset].append(i)
        if DATASETS[recs[i].dataset].kind != "spam":
            by_lang[recs[i].lang].append(i)
    out = []
    for i in pool:
        r = recs[i]
        if DATASETS[r.dataset].kind == "spam":
            out.append((i, r.context, 1 if r.label == "spam" else 0, r.dataset, r.lang))
            continue
        out.append((i, r.context, 0, r.dataset, r.lang))
        if negatives == "same_dataset":
            cands = by_ds[r.dataset]
        elif negatives == "same_lang":
            cands = by_lang[r.lang]
        else:
            cands = by_ds[r.dataset] if rng.random() < same_share else pool
        for _ in range(20):
            j = cands[rng.randrange(len(cands))]
            if recs[j].post_id != r.post_id and recs[j].context != r.context and \
                    DATASETS[recs[j].dataset].kind != "spam":
                out.append((i, recs[j].context, 1, r.dataset, r.lang))
                break
    return out


def pair_matrix(recs, pairs, featurizer, W, b, spam_j, stop, idf_w, idf_c) -> np.ndarray:
    from .text import normalize
    idx = [p[0] for p in pairs]
    texts = [recs[i].text for i in idx]
    norms = [recs[i].norm for i in idx]
    wb, cb = featurizer.transform_blocks(norms)
    X = sp.hstack([wb, cb], format="csr", dtype=np.float32)
    spam_logit = (X @ W[:, spam_j]).astype(np.float64) + b[spam_j]
    ctx = [p[1] for p in pairs]
    cache: dict[str, str] = {}
    cnorms = [cache.setdefault(c, normalize(c)) if c not in cache else cache[c] for c in ctx]
    langs = [recs[i].lang for i in idx]
    return pair_features(texts, norms, cb, wb, ctx, cnorms, featurizer, spam_logit, langs, frozenset(stop),
                         idf_w, idf_c)


def bin_edges(F: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges_list = []
    for j in range(F.shape[1]):
        col = F[:, j]
        qs = np.unique(np.quantile(col, np.linspace(0, 1, n_bins + 1)[1:-1]))
        if len(np.unique(col)) <= 2:
            qs = np.array([0.5 * (col.min() + col.max())]) if col.min() != col.max() else np.array([0.0])
        edges_list.append(qs)
    width = max(len(e) for e in edges_list)
    edges = np.full((F.shape[1], width), np.inf)
    nbins = np.zeros(F.shape[1], dtype=np.int64)
    for j, e in enumerate(edges_list):
        edges[j, : len(e)] = e
        nbins[j] = len(e) + 1
    return edges, nbins


def one_hot_bins(F: np.ndarray, edges: np.ndarray, nbins: np.ndarray) -> sp.csr_matrix:
    n, f = F.shape
    offsets = np.r_[0, np.cumsum(nbins)[:-1]]
    cols = np.empty((n, f), dtype=np.int64)
    for j in range(f):
        cols[:, j] = offsets[j] + np.searchsorted(edges[j, : nbins[j] - 1], F[:, j], side="right")
    rows = np.repeat(np.arange(n), f)
    return sp.csr_matrix((np.ones(n * f), (rows, cols.ravel())), shape=(n, int(nbins.sum())))


# ---------------------------------------------------------------------------

def train(data_dir=None, out_dir=None, seed: int = 13, params: dict | None = None, progress: bool = True,
          set_current: bool = False, card_dir=None, limit_per_dataset: int | None = None,
          evaluate: bool = True, lodo: bool = False, log=print, extra_csv=None) -> pathlib.Path:
    """Train every head and write an artifact folder; returns its path.

    ``extra_csv``: CSV files in the shared data's normalized format
    (``text,lang,label,source_id``), e.g. a site's exported moderator
    decisions.  The first becomes the trainable dataset ``site_decisions``,
    the next ones ``extra:<stem>``; their rows are split train/valid/test like
    the shared sets, so the card reports the model on the site's own held-out
    decisions.  Without ``extra_csv`` the artifact is the same as before."""
    with extra_datasets(extra_csv) as extra:
        return _train(data_dir, out_dir, seed, params, progress, set_current, card_dir, limit_per_dataset,
                      evaluate, lodo, log, extra)


def _train(data_dir, out_dir, seed, params, progress, set_current, card_dir, limit_per_dataset,
           evaluate, lodo, log, extra) -> pathlib.Path:
    t_start = time.time()
    p = dict(DEFAULT_PARAMS)
    p.update(params or {})
    p["seed"] = seed
    np.random.seed(seed)
    random.seed(seed)
    data_dir = pathlib.Path(data_dir) if data_dir else default_data_dir()
    if out_dir is None:
        out_dir = ARTIFACTS_DIR / new_version_name(ARTIFACTS_DIR)
    out_dir = pathlib.Path(out_dir).resolve()
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} exists and is not empty")
    version = out_dir.name if out_dir.name.startswith("colombe-") else new_version_name(out_dir.parent)
    fcfg = FeatureConfig.from_json(p["features"])
    featurizer = Featurizer(fcfg)
    bar = _progress(6 + len(TEXT_HEADS), "colombe train", progress)

    bar.set_postfix_str("loading data")
    recs = load_records(data_dir, limit_per_dataset=limit_per_dataset, extra=extra)
    recs = assign_groups_and_splits(recs, seed=seed, fractions=tuple(p["split_fractions"]))
    bar.update(1)

    bar.set_postfix_str("features")
    X = sp.vstack([featurizer.transform([r.norm for r in recs[s0: s0 + 5000]])
                   for s0 in range(0, len(recs), 5000)], format="csr")
    bar.update(1)

    n_feat = X.shape[1]
    # (column name, label, language or None, other-language weight)
    columns = [(h, h, None, 1.0) for h in TEXT_HEADS]
    routing: dict = {}
    for lg, spec in sorted(p.get("lang_heads", {}).items()):
        for lab, hs in sorted(spec.items()):
            columns.append((hs["name"], lab, lg, float(hs["other_lang_weight"])))
            routing.setdefault(lg, {})[lab] = hs["name"]
    all_heads = [c[0] for c in columns]
    W = np.zeros((n_feat, len(columns)), dtype=np.float32)
    b = np.zeros(len(columns), dtype=np.float64)
    calib = {}
    head_info = {}
    bar.total += len(columns) - len(TEXT_HEADS)
    for j, (col, head, lg, olw) in enumerate(columns):
        bar.set_postfix_str(f"head {col}")
        idx, y, w = head_training_rows(recs, head, "train", p, lang=lg, other_lang_weight=olw)
        if len(set(y.tolist())) < 2:
            raise RuntimeError(f"head {col}: training data has a single class")
        W[:, j], b[j] = fit_logreg(X[idx], y, w, p["C"], seed)
        vidx, vy, _ = head_training_rows(recs, head, "valid", p, lang=lg, other_lang_weight=0.0)
        head = col
        vlog = (X[vidx] @ W[:, j]).astype(np.float64) + b[j]
        calib[head] = fit_isotonic(vlog, vy)
        head_info[head] = {"train_rows": int(len(idx)), "train_positives": int(y.sum()),
                           "calibration_rows": int(len(vidx)), "calibration_positives": int(vy.sum()),
                           "datasets": sorted({recs[i].dataset for i in idx[y == 1]})}
        bar.update(1)

    # -- off-topic -------------------------------------------------------------
    bar.set_postfix_str("off-topic pairs")
    stop = stopstems()
    spam_j = TEXT_HEADS.index("spam")
    tr_pairs = build_pairs(recs, "train", seed, p["offtopic_same_dataset_share"])
    # document frequencies over the permissive training comments + their contexts
    from .features import document_idf
    from .text import normalize as _norm
    tr_ctx = sorted({recs[pp[0]].context for pp in tr_pairs})
    df_texts = [r.norm for r in recs if r.split == "train" and DATASETS[r.dataset].trainable] + \
        [_norm(c) for c in tr_ctx]
    dw, dc = featurizer.transform_blocks(df_texts)
    idf_w, idf_c = document_idf(dw), document_idf(dc)
    del dw, dc
    F = pair_matrix(recs, tr_pairs, featurizer, W, b, spam_j, stop, idf_w, idf_c)
    yk = np.array([pp[2] for pp in tr_pairs])
    edges, nbins = bin_edges(F, p["offtopic_bins"])
    OH = one_hot_bins(F, edges, nbins)
    ow = _group_weights([(pp[3], pp[2]) for pp in tr_pairs], p["class_weight_alpha"])
    from sklearn.linear_model import LogisticRegression
    oclf = LogisticRegression(C=p["offtopic_C"], solver="liblinear", random_state=seed, max_iter=500)
    oclf.fit(OH, yk, sample_weight=ow)
    ocoef = oclf.coef_.ravel()
    ointer = float(oclf.intercept_[0])
    va_pairs = build_pairs(recs, "valid", seed, p["offtopic_same_dataset_share"])
    FV = pair_matrix(recs, va_pairs, featurizer, W, b, spam_j, stop, idf_w, idf_c)
    zv = one_hot_bins(FV, edges, nbins) @ ocoef + ointer
    okx, oky = fit_isotonic(zv, np.array([pp[2] for pp in va_pairs]))
    bar.update(1)

    # -- write artifact (atomically) -------------------------------------------------
    bar.set_postfix_str("writing artifact")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".tmp-{version}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    heads_arrays = {"W": W.astype(np.float16), "b": b.astype(np.float32)}
    for h in all_heads:
        heads_arrays[f"kx_{h}"], heads_arrays[f"ky_{h}"] = calib[h]
    np.savez(tmp / "heads.npz", **heads_arrays)   # uncompressed: loads in a fraction of a second
    np.savez_compressed(tmp / "offtopic.npz", edges=edges, nbins=nbins, coef=ocoef, intercept=np.array([ointer]),
                        kx=okx, ky=oky, idf_word=idf_w.astype(np.float16), idf_char=idf_c.astype(np.float16))
    config = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "labels": list(registry.LABELS),
        "text_heads": list(TEXT_HEADS),
        "extra_heads": all_heads[len(TEXT_HEADS):],
        "routing": routing,
        "features": fcfg.to_json(),
        "offtopic": {"feature_names": list(PAIR_FEATURE_NAMES), "stopstems": stop,
                     "no_context_spam_scale": 0.9},
    }
    (tmp / "config.json").write_text(json.dumps(config, indent=1, sort_keys=True), encoding="utf-8")
    split_counts = Counter((r.dataset, r.lang, r.split) for r in recs)
    sources = []
    for name, info in DATASETS.items():
        sources.append({
            "name": name, "license": info.license, "url": info.url, "citation": info.citation,
            "used_for": ("training + evaluation (test split of the site's own decisions)" if info.kind == "site" else
                         "training (augmentation only, never evaluation)" if info.train_only else
                         "training + evaluation (test split)" if info.trainable else
                         "evaluation only (non-commercial license)"),
            "rows": {f"{lg}/{sp_}": n for (ds, lg, sp_), n in sorted(split_counts.items()) if ds == name},
        })
    manifest = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "labels": list(registry.LABELS),
        "training_parameters": p,
        "heads": head_info,
        "offtopic_training": {"pairs": int(len(tr_pairs)), "off_topic_pairs": int(yk.sum()),
                              "calibration_pairs": int(len(va_pairs))},
        "data_sources": sources,
        "libraries": library_versions(),
        "thresholds": {},
        "files": {},
    }
    _write_manifest(tmp, manifest)
    bar.update(1)

    if evaluate:
        bar.set_postfix_str("evaluating")
        from .evaluate import evaluate_artifact_on_records
        model = registry.load_model(tmp)
        metrics = evaluate_artifact_on_records(model, recs, seed=seed, same_share=p["offtopic_same_dataset_share"])
        manifest["thresholds"] = metrics["thresholds"]
        for name, _ in extra:   # the figure a site owner cares about: its own held-out decisions
            for head in ("toxicity", "spam"):
                for key, blk in sorted((metrics.get("per_dataset", {}).get(head) or {}).items()):
                    if key.startswith(name + "/"):
                        metrics["summary"][f"{name}_{head}_auc_{key.split('/', 1)[1]}_test"] = blk["roc_auc"]
        manifest["evaluation_summary"] = metrics["summary"]
        if lodo:
            bar.set_postfix_str("leave-one-dataset-out")
            metrics["leave_one_dataset_out"] = leave_one_dataset_out(recs, X, p, seed)
            manifest["leave_one_dataset_out"] = metrics["leave_one_dataset_out"]
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=1, sort_keys=True), encoding="utf-8")
    manifest["training_seconds"] = round(time.time() - t_start, 1)
    from .card import render_card
    card = render_card(manifest, _read_json(tmp / "metrics.json"))
    (tmp / "card.md").write_text(card, encoding="utf-8")
    _write_manifest(tmp, manifest)
    bar.update(1)

    if out_dir.exists():
        out_dir.rmdir()
    os.replace(tmp, out_dir)
    # the card is always inside the artifact; models/cards/<version>.md too when
    # the artifact is one of the repository's (or a card dir is given)
    if card_dir is None and out_dir.parent == ARTIFACTS_DIR.resolve():
        card_dir = pathlib.Path(registry.__file__).resolve().parent / "cards"
    if card_dir is not None:
        card_dir = pathlib.Path(card_dir)
        card_dir.mkdir(parents=True, exist_ok=True)
        (card_dir / f"{version}.md").write_text(card, encoding="utf-8")
    if set_current:
        cur = out_dir.parent / "CURRENT"
        tmpc = out_dir.parent / f".CURRENT.{os.getpid()}"
        tmpc.write_text(out_dir.name + "\n", encoding="utf-8")
        os.replace(tmpc, cur)
    bar.update(1)
    bar.close()
    return out_dir


def _read_json(p: pathlib.Path):
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _write_manifest(folder: pathlib.Path, manifest: dict) -> None:
    files = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.name != "manifest.json":
            files[f.name] = {"sha256": _sha256(f), "bytes": f.stat().st_size}
    manifest["files"] = files
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")


def leave_one_dataset_out(recs: list[Record], X, p: dict, seed: int, head: str = "toxicity",
                          progress: bool = False) -> dict:
    """For each permissive toxicity dataset (that has both classes): train the
    head on every OTHER permissive dataset (train + valid splits; the MT copy
    of Jigsaw is left out with Wikipedia), score every row of the held-out one."""
    from sklearn.metrics import roc_auc_score
    cand = [d for d, info in DATASETS.items() if info.trainable and not info.train_only and info.kind == "toxicity"]
    res = {}
    for ds in cand:
        ys = {r.heads.get(head) for r in recs if r.dataset == ds}
        if not {0, 1} <= ys:
            continue
        excl = {ds}
        if ds == "wikipedia_toxicity_subsets":
            excl.add("jigsaw_subset_fr_machine_translated")
        tr = [i for i, r in enumerate(recs) if r.dataset not in excl and DATASETS[r.dataset].trainable
              and r.split in ("train", "valid") and head in r.heads]
        y = np.array([recs[i].heads[head] for i in tr])
        keys = [(recs[i].dataset, recs[i].lang, recs[i].heads[head]) for i in tr]
        w = _group_weights(keys, p["class_weight_alpha"])
        coef, inter = fit_logreg(X[tr], y, w, p["C"], seed)
        te = [i for i, r in enumerate(recs) if r.dataset == ds and head in r.heads]
        s = X[te] @ coef + inter
        yt = np.array([recs[i].heads[head] for i in te])
        for lg in sorted({recs[i].lang for i in te}):
            m = np.array([recs[i].lang == lg for i in te])
            if 0 < yt[m].sum() < m.sum():
                res[f"{ds}/{lg}"] = round(float(roc_auc_score(yt[m], s[m])), 4)
    vals = list(res.values())
    worst = min(res, key=res.get) if res else None
    return {"head": head, "per_dataset": res, "mean": round(float(np.mean(vals)), 4) if vals else None,
            "worst": res.get(worst), "worst_dataset": worst}
