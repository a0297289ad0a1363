"""Per-site heads: a small logistic head per label on top of the global model's outputs.

A site's moderators draw their own line (a war blog tolerates harsh politics, a cooking
blog holds any politics as off-topic). A *site model* learns it from that site's labels
only, in seconds, without touching the global artifact:

    input  = Model.site_features(items)  ->  {"logits", "dense", "sparse"}
    head   = logistic regression on  [ TF-IDF of the site's own n-grams (hashed columns seen
             in its training comments, idf from them, rows L2-normalized)
             | the global model's per-label logits (standardized)
             | the global model's sentence vectors, when it has them (standardized) ]

The regularization C and the weight of the global block are chosen per label by
cross-validation on the site's decisions: weight 0 when the global model misleads on this
site (its line differs from the training data's), up to 1 when it helps. With few decisions
the head leans on the global logits; with more it learns the site's own words. Labels with too few examples of either class get no head: the
global score stays. Everything is arrays + JSON (``to_bytes``/``from_bytes``: an ``.npz``
loaded with ``allow_pickle=False``); nothing is ever unpickled.

No Flask, no Celery, no database here: ``service.core.site_learning`` feeds it.
"""
from __future__ import annotations

import hashlib
import io
import json
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp

from .names import LABELS
from .site_eval import bootstrap_auc_diff, roc_auc

__all__ = ["SITE_LABELS", "SiteParams", "SiteModel", "SiteModelError", "train_site_model", "hyper_of", "roc_auc",
           "bootstrap_auc_diff", "FORMAT_VERSION"]

# The labels a moderator's decision can make positive (reject toxic / spam / off_topic);
# approve makes every label negative, so the other labels never get positives.
SITE_LABELS = ("toxicity", "spam", "off_topic")
FORMAT_VERSION = 1


class SiteModelError(ValueError):
    """Site model bytes that are not a valid site model (or of another format)."""


@dataclass(frozen=True)
class SiteParams:
    min_df: int = 1                 # an n-gram column is kept when at least this many training comments have it
    max_features: int = 200_000     # most frequent columns kept at most
    min_class: int = 10             # examples of each class a label needs for a head
    C_grid: tuple = (0.5, 2.0, 8.0)  # inverse regularization strengths tried (cross-validated)
    # weight of the standardized global logits against the TF-IDF block, tried per label: 0 when
    # the global model misleads on this site (its line differs), 1 when it knows it well
    global_grid: tuple = (0.0, 0.5, 1.0)
    cv_folds: int = 3
    cv_max_rows: int = 2000         # the grid is cross-validated on the newest rows at most (speed)
    dense_scale: float = 0.5        # weight of the standardized sentence vectors
    seed: int = 13

    def to_json(self) -> dict:
        d = asdict(self)
        d["C_grid"] = list(self.C_grid)
        d["global_grid"] = list(self.global_grid)
        return d


@dataclass
class _Design:
    """What turns site features into a head's input matrix."""

    cols: np.ndarray            # int64, sorted hashed columns kept
    idf: np.ndarray             # float32 per kept column
    g_mean: np.ndarray          # float32 per global label
    g_std: np.ndarray
    d_mean: np.ndarray          # float32 per dense dimension
    d_std: np.ndarray
    global_scale: float  # 1 for stored models: each head's global weight is folded into its coefficients
    dense_scale: float
    n_features: int = field(default=0)  # width of the global model's sparse block (checked)

    def _entries(self, feats: dict):
        """The kept n-gram occurrences: (row, kept column, tf-idf value / L2 norm of the row's
        TF-IDF vector); a column repeated in a row adds up."""
        Xs = feats["sparse"]
        if Xs.shape[1] != self.n_features:
            raise SiteModelError(f"sparse features have {Xs.shape[1]} columns, the site model expects "
                                 f"{self.n_features} (another global model?)")
        Xs = Xs.tocsr()
        n, K = Xs.shape[0], len(self.cols)
        if K == 0 or Xs.nnz == 0:
            return n, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        pos = self._lookup()[Xs.indices]
        keep = pos >= 0
        row = np.repeat(np.arange(n), np.diff(Xs.indptr))[keep]
        pos = pos[keep]
        val = Xs.data[keep].astype(np.float32) * self.idf[pos]
        # the norm of each row's TF-IDF vector, a column repeated in a row counted once (summed)
        key = row * K + pos
        uniq, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=val)
        norms = np.sqrt(np.bincount(uniq // K, weights=summed * summed, minlength=n))
        norms[norms == 0] = 1.0
        return n, row, pos, (val / norms[row]).astype(np.float32)

    def _lookup(self) -> np.ndarray:
        """Hashed column -> kept index (-1: not kept), built once (4 bytes per hashed column)."""
        lut = self.__dict__.get("_lut")
        if lut is None:
            lut = np.full(self.n_features, -1, dtype=np.int32)
            lut[self.cols] = np.arange(len(self.cols), dtype=np.int32)
            self.__dict__["_lut"] = lut  # one assignment: safe for concurrent readers
        return lut

    def _dense_blocks(self, feats: dict) -> tuple[np.ndarray, np.ndarray]:
        G = (np.asarray(feats["logits"], np.float32) - self.g_mean) / self.g_std * self.global_scale
        D = np.asarray(feats["dense"], np.float32)
        D = (D - self.d_mean) / self.d_std * self.dense_scale if D.shape[1] else D
        return G, D

    def matrix(self, feats: dict) -> sp.csr_matrix:
        """[ TF-IDF | global logits | sentence vectors ] (training)."""
        n, row, pos, val = self._entries(feats)
        T = sp.csr_matrix((val, (row, pos)), shape=(n, len(self.cols)), dtype=np.float32)  # duplicates summed
        G, D = self._dense_blocks(feats)
        parts = [T, sp.csr_matrix(G)] + ([sp.csr_matrix(D)] if D.shape[1] else [])
        return sp.hstack(parts, format="csr", dtype=np.float32)

    def linear(self, feats: dict, W: np.ndarray, b: np.ndarray) -> np.ndarray:
        """matrix(feats) @ W + b without building the matrix (scoring)."""
        n, row, pos, val = self._entries(feats)
        K = len(self.cols)
        z = np.empty((n, W.shape[1]), dtype=np.float64)
        for j in range(W.shape[1]):
            z[:, j] = np.bincount(row, weights=val * W[pos, j], minlength=n) if len(row) else 0.0
        G, D = self._dense_blocks(feats)
        z += G @ W[K:K + G.shape[1]]
        if D.shape[1]:
            z += D @ W[K + G.shape[1]:]
        return z + b


class SiteModel:
    """A trained site model: immutable, thread-safe ``predict``."""

    def __init__(self, meta: dict, arrays: dict):
        if meta.get("format_version") != FORMAT_VERSION:
            raise SiteModelError(f"site model format {meta.get('format_version')} unsupported "
                                 f"(expected {FORMAT_VERSION})")
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.global_version: str = meta["global_version"]
        self.design = _Design(
            cols=arrays["cols"].astype(np.int64), idf=arrays["idf"].astype(np.float32),
            g_mean=arrays["g_mean"].astype(np.float32), g_std=arrays["g_std"].astype(np.float32),
            d_mean=arrays["d_mean"].astype(np.float32), d_std=arrays["d_std"].astype(np.float32),
            global_scale=1.0, dense_scale=float(meta["params"]["dense_scale"]),
            n_features=int(meta["n_features"]))
        self.W = arrays["W"].astype(np.float32)      # (columns of the design matrix, len(labels))
        self.b = arrays["b"].astype(np.float64)      # (len(labels),)
        if self.W.shape[1] != len(self.labels) or self.b.shape != (len(self.labels),):
            raise SiteModelError("site model weights do not match its labels")

    # -- scoring -------------------------------------------------------------
    def predict(self, feats: dict) -> np.ndarray:
        """(n, len(self.labels)) probabilities."""
        n = feats["sparse"].shape[0]
        if n == 0 or not self.labels:
            return np.zeros((n, len(self.labels)))
        width = len(self.design.cols) + np.asarray(feats["logits"]).shape[1] + np.asarray(feats["dense"]).shape[1]
        if width != self.W.shape[0]:
            raise SiteModelError(f"site model expects {self.W.shape[0]} inputs, got {width} "
                                 "(the global model's outputs changed shape)")
        z = self.design.linear(feats, self.W, self.b)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def apply(self, scores: np.ndarray, feats: dict) -> np.ndarray:
        """Global scores (n, len(LABELS)) with this site's heads in place of their labels."""
        out = np.array(scores, dtype=np.float64, copy=True)
        if not self.labels or out.shape[0] == 0:
            return out
        probs = self.predict(feats)
        for j, label in enumerate(self.labels):
            out[:, LABELS.index(label)] = probs[:, j]
        return out

    # -- storage -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """One ``.npz`` holding the arrays and the metadata as a JSON string (no pickle)."""
        buf = io.BytesIO()
        d = self.design
        np.savez_compressed(buf, meta=np.frombuffer(json.dumps(self.meta, sort_keys=True).encode("utf-8"), np.uint8),
                            cols=d.cols, idf=d.idf, g_mean=d.g_mean, g_std=d.g_std, d_mean=d.d_mean,
                            d_std=d.d_std, W=self.W, b=self.b)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "SiteModel":
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        except (ValueError, KeyError, OSError, UnicodeDecodeError) as e:
            raise SiteModelError(f"not a site model ({e})") from e
        try:
            return cls(meta, arrays)
        except KeyError as e:
            raise SiteModelError(f"site model lacks {e}") from e

    @staticmethod
    def digest(blob: bytes) -> str:
        return hashlib.sha256(blob).hexdigest()

    def __repr__(self) -> str:
        return f"<SiteModel labels={self.labels} on {self.global_version}>"


# --- training -------------------------------------------------------------------------

def _standardize(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, np.float64)
    if a.shape[0] == 0 or a.shape[1] == 0:
        return np.zeros(a.shape[1], np.float32), np.ones(a.shape[1], np.float32)
    mean = a.mean(axis=0)
    std = a.std(axis=0)
    std[std < 1e-6] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def _kept_columns(Xs: sp.csr_matrix, params: SiteParams) -> tuple[np.ndarray, np.ndarray]:
    """Columns present in at least min_df training rows (the most frequent max_features), and
    their smoothed idf over those rows."""
    n = Xs.shape[0]
    X = Xs.tocsr(copy=True)
    X.sum_duplicates()  # one entry per (row, column): document frequency by counting columns
    df_all = np.bincount(X.indices, minlength=Xs.shape[1])
    cols = np.where(df_all >= params.min_df)[0]
    df = df_all[cols]
    if len(cols) > params.max_features:
        top = np.argsort(-df, kind="stable")[: params.max_features]
        top.sort()
        cols, df = cols[top], df[top]
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    return cols.astype(np.int64), idf


def _scaled(X: sp.csr_matrix, g_cols: slice, g: float) -> sp.csr_matrix:
    """X with its global-logit columns multiplied by g."""
    scale = np.ones(X.shape[1], np.float32)
    scale[g_cols] = g
    return (X @ sp.diags(scale)).tocsr()


def _fit(X, y, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=seed)
    clf.fit(X, y)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def choose_hyper(X, y, g_cols: slice, params: SiteParams) -> tuple[tuple[float, float], dict]:
    """(C, global weight) of the grid with the best mean ROC AUC over stratified folds of
    these rows, and every pair's mean."""
    grid = [(C, g) for g in params.global_grid for C in params.C_grid]
    folds = min(params.cv_folds, int(min(y.sum(), len(y) - y.sum())))
    if len(grid) == 1 or folds < 2:
        return (params.C_grid[len(params.C_grid) // 2], params.global_grid[-1]), {}
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=params.seed)
    scores = {pair: [] for pair in grid}
    splits = list(skf.split(np.zeros(len(y)), y))
    for g in params.global_grid:
        Xg = _scaled(X, g_cols, g)
        for tr, va in splits:
            for C in params.C_grid:
                w, b = _fit(Xg[tr], y[tr], C, params.seed)
                auc = roc_auc(y[va], np.asarray(Xg[va] @ w).ravel() + b)
                if auc is not None:
                    scores[(C, g)].append(auc)
    means = {pair: float(np.mean(v)) if v else 0.0 for pair, v in scores.items()}
    # ties: the larger global weight, then the C nearest 1
    best = max(grid, key=lambda pair: (round(means[pair], 4), pair[1], -abs(np.log(pair[0]))))
    return best, {f"C={C},global={g}": round(m, 4) for (C, g), m in means.items()}


def train_site_model(feats: dict, targets: dict[str, np.ndarray], global_version: str,
                     params: SiteParams | None = None, extra_meta: dict | None = None,
                     progress=None, hyper: dict | None = None) -> SiteModel:
    """Train the heads of one site.

    ``feats``: ``Model.site_features`` of the training comments. ``targets``: per label
    an int array over the same rows, 1 positive, 0 negative, -1 unknown (not used for that
    label). A label gets a head when it has at least ``params.min_class`` rows of each
    class. ``hyper``: per label ``(C, global weight)`` to use; the labels not in it choose
    theirs by cross-validation on these rows (``model.meta["heads"][label]["hyper"]`` tells
    which). ``progress(step_text)`` is called between steps.
    """
    params = params or SiteParams()
    hyper = hyper or {}
    started = time.perf_counter()
    Xs = feats["sparse"].tocsr()
    cols, idf = _kept_columns(Xs, params)
    g_mean, g_std = _standardize(feats["logits"])
    d_mean, d_std = _standardize(feats["dense"])
    design = _Design(cols, idf, g_mean, g_std, d_mean, d_std, 1.0, params.dense_scale, n_features=Xs.shape[1])
    X = design.matrix(feats)
    g_cols = slice(len(cols), len(cols) + np.asarray(feats["logits"]).shape[1])
    labels, W, b, info = [], [], [], {}
    for label in LABELS:
        if label not in targets:
            continue
        y_all = np.asarray(targets[label])
        rows = np.where(y_all >= 0)[0]
        y = (y_all[rows] == 1).astype(np.int32)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if pos < params.min_class or neg < params.min_class:
            info[label] = {"head": False, "positives": pos, "negatives": neg,
                           "reason": f"fewer than {params.min_class} examples of one class"}
            continue
        if progress:
            progress(f"head {label}")
        cv = {}
        if label in hyper:
            C, g = hyper[label]
        else:
            tail = slice(max(0, len(rows) - params.cv_max_rows), None)  # rows are oldest first
            (C, g), cv = choose_hyper(X[rows[tail]], y[tail], g_cols, params)
        w, b0 = _fit(_scaled(X[rows], g_cols, g), y, C, params.seed)
        w[g_cols] *= g  # fold the global weight into the coefficients: stored models use weight 1
        labels.append(label)
        W.append(w)
        b.append(b0)
        info[label] = {"head": True, "positives": pos, "negatives": neg, "hyper": [C, g], "cv_auc": cv}
    meta = {
        "format_version": FORMAT_VERSION,
        "labels": labels,
        "global_version": global_version,
        "n_features": int(Xs.shape[1]),
        "columns_kept": int(len(cols)),
        "dense_dims": int(np.asarray(feats["dense"]).shape[1]),
        "params": params.to_json(),
        "heads": info,
        "train_rows": int(Xs.shape[0]),
        "train_seconds": round(time.perf_counter() - started, 3),
        **(extra_meta or {}),
    }
    width = X.shape[1]
    arrays = {"cols": cols, "idf": idf, "g_mean": g_mean, "g_std": g_std, "d_mean": d_mean, "d_std": d_std,
              "W": (np.column_stack(W) if W else np.zeros((width, 0))).astype(np.float32),
              "b": np.array(b, dtype=np.float64)}
    return SiteModel(meta, arrays)


def hyper_of(model: SiteModel) -> dict:
    """The (C, global weight) each head of `model` used, to train its twins alike."""
    return {label: tuple(h["hyper"]) for label, h in model.meta["heads"].items() if h.get("head")}
