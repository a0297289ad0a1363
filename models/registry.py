"""Loading a versioned model artifact and scoring with it.

An artifact is a folder ``models/artifacts/<version>/`` holding only JSON and
``.npz`` arrays (loaded with ``allow_pickle=False``) plus ``manifest.json``
with the sha256 of every file.  Nothing is ever unpickled.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pathlib
import warnings

import numpy as np
import scipy.sparse as sp

from .calibration import apply_calibration
from .features import FeatureConfig, Featurizer, PAIR_FEATURE_NAMES, pair_features, pair_features_small
from .lang import detect_languages
from .names import ARTIFACTS_DIR, LABELS, TEXT_HEADS, ModelLoadError, bundled_artifact_dir
from .text import normalize, normalize_batch

__all__ = ["LABELS", "TEXT_HEADS", "Model", "ModelLoadError", "ModelVersionWarning", "load_model",
           "default_model", "bundled_artifact_dir", "ARTIFACTS_DIR", "library_versions"]

FORMAT_VERSION = 1
# requests with at most this many comments with a context take the sparse-free
# path for the off-topic pair features (bit-identical results, less overhead)
SMALL_PAIR_BATCH = 8


class ModelVersionWarning(UserWarning):
    """The artifact was built with other library versions than the running ones."""


def library_versions() -> dict:
    """Versions of the libraries the artifact depends on (without importing
    scikit-learn, which scoring does not need)."""
    from importlib.metadata import PackageNotFoundError, version
    out = {"numpy": np.__version__}
    for dist in ("scipy", "scikit-learn"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out


def _sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_versions(built: dict) -> None:
    now = library_versions()
    for lib, v in (built or {}).items():
        cur = now.get(lib)
        if cur is None or v == cur:
            continue
        b, c = v.split(".")[:2], cur.split(".")[:2]
        if b[0] != c[0]:
            warnings.warn(f"model artifact was built with {lib} {v}, running {cur} (major version differs: "
                          f"scores may change; retrain with `make train`)", ModelVersionWarning, stacklevel=3)
        elif b != c:
            warnings.warn(f"model artifact was built with {lib} {v}, running {cur}", ModelVersionWarning,
                          stacklevel=3)


def _npz(path: pathlib.Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


class Model:
    """A loaded artifact.  Immutable after construction: ``score_batch`` and
    ``explain`` may be called from several threads at once."""

    def __init__(self, path: pathlib.Path, manifest: dict, config: dict, heads: dict, offtopic: dict):
        self.path = path
        self.manifest = manifest
        self.config = config
        self.version: str = manifest["version"]
        self.labels: tuple[str, ...] = LABELS
        self.thresholds: dict[str, dict[str, float]] = manifest.get("thresholds", {})
        if config["features"].get("hash_version") != FeatureConfig().hash_version:
            raise ModelLoadError(f"{path}: artifact was built with another feature hashing "
                                 f"(version {config['features'].get('hash_version')}); retrain it")
        self.feature_config = FeatureConfig.from_json(config["features"])
        self.featurizer = Featurizer(self.feature_config)
        self.text_heads: tuple[str, ...] = tuple(config["text_heads"])
        # language-specific replacements of a head, e.g. {"fr": {"toxicity": "toxicity_fr"}}
        self.extra_heads: tuple[str, ...] = tuple(config.get("extra_heads", ()))
        self.all_heads: tuple[str, ...] = self.text_heads + self.extra_heads
        self.routing: dict[str, dict[str, str]] = config.get("routing", {})
        self._W = np.ascontiguousarray(heads["W"].astype(np.float32))
        nw = 2 ** self.feature_config.word_bits
        self._W_word, self._W_char = self._W[:nw], self._W[nw:]
        self._b = heads["b"].astype(np.float64)
        self._calib = [(heads[f"kx_{h}"].astype(np.float64), heads[f"ky_{h}"].astype(np.float64))
                       for h in self.all_heads]
        self._spam_idx = self.text_heads.index("spam")
        # explanation baseline: the logit where each head's calibrated score is 0.1
        self.explain_baseline = {h: float(np.interp(0.1, ky, kx)) for h, (kx, ky) in zip(self.all_heads, self._calib)}
        ot = offtopic
        self._ot_edges = ot["edges"].astype(np.float64)
        self._ot_nbins = ot["nbins"].astype(np.int64)
        self._ot_offsets = np.r_[0, np.cumsum(self._ot_nbins)[:-1]].astype(np.int64)
        self._ot_coef = ot["coef"].astype(np.float64)
        self._ot_intercept = float(ot["intercept"][0])
        self._ot_calib = (ot["kx"].astype(np.float64), ot["ky"].astype(np.float64))
        self._ot_nocontext_scale = float(config["offtopic"].get("no_context_spam_scale", 0.9))
        self._stopstems = frozenset(config["offtopic"]["stopstems"])
        try:
            self._ot_cols = [PAIR_FEATURE_NAMES.index(nm) for nm in config["offtopic"]["feature_names"]]
        except ValueError as e:
            raise ModelLoadError(f"artifact uses an unknown off-topic feature: {e}") from e
        nw, nc = 2 ** self.feature_config.word_bits, 2 ** self.feature_config.char_bits
        self._idf_word = ot["idf_word"].astype(np.float32) if "idf_word" in ot else np.ones(nw, np.float32)
        self._idf_char = ot["idf_char"].astype(np.float32) if "idf_char" in ot else np.ones(nc, np.float32)

    # -- internals -----------------------------------------------------------
    def _text_logits(self, norms: list[str]):
        z, _, _ = self.featurizer.logits_from(self.featurizer.encode(norms), self._W_word, self._W_char)
        return z.astype(np.float64) + self._b, None, None

    def text_logits(self, texts: list[str]) -> np.ndarray:
        """Uncalibrated logits of the text heads (used by explanations)."""
        return self._text_logits(normalize_batch([t or "" for t in texts]))[0]

    def head_column(self, label: str, lang: str | None) -> str:
        """The head that scores ``label`` for a comment in ``lang``."""
        return self.routing.get(lang or "", {}).get(label, label)

    def calibrate_head(self, head: str, logits) -> np.ndarray:
        j = self.all_heads.index(head)
        return apply_calibration(np.asarray(logits, dtype=np.float64), *self._calib[j])

    def _calibrate(self, logits: np.ndarray) -> np.ndarray:
        out = np.empty_like(logits)
        for j, (kx, ky) in enumerate(self._calib):
            out[:, j] = apply_calibration(logits[:, j], kx, ky)
        return out

    def _offtopic_logits(self, feats: np.ndarray) -> np.ndarray:
        n, f = feats.shape
        z = np.full(n, self._ot_intercept)
        for j in range(f):
            nb = self._ot_nbins[j]
            b = np.searchsorted(self._ot_edges[j, : nb - 1], feats[:, j], side="right")
            z += self._ot_coef[self._ot_offsets[j] + b]
        return z

    @staticmethod
    def _context_of(item: dict) -> str:
        parts = [item.get(k) for k in ("post_title", "post_text", "parent_text")]
        if parts[0] is None and parts[1] is None and parts[2] is None:
            return ""
        return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())

    # -- public --------------------------------------------------------------
    def raw_scores(self, items: list[dict]) -> tuple[np.ndarray, list[str], list[str]]:
        """(n, len(LABELS)) calibrated scores, detected languages, normalized texts."""
        scores, langs, norms, _ = self._forward(items, want_site=False)
        return scores, langs, norms

    def _forward(self, items: list[dict], want_site: bool):
        """One pass over a batch: calibrated scores, languages, normalized texts and, with
        ``want_site``, the inputs of per-site heads (see ``site_features``)."""
        texts = [("" if it.get("text") is None else str(it.get("text"))) for it in items]
        norms = normalize_batch(texts)
        n = len(items)
        scores = np.zeros((n, len(LABELS)), dtype=np.float64)
        if n == 0:
            return scores, [], norms, (self._empty_site_features() if want_site else None)
        enc = self.featurizer.encode(norms)
        langs = detect_languages(texts, enc)
        z, wbl, cbl = self.featurizer.logits_from(enc, self._W_word, self._W_char)
        logits = z.astype(np.float64) + self._b
        probs_all = self._calibrate(logits)
        probs = probs_all[:, : len(self.text_heads)].copy()
        label_logits = logits[:, : len(self.text_heads)].copy() if want_site else None
        eff_langs = [it.get("lang") or langs[i] for i, it in enumerate(items)]
        for lg, mapping in self.routing.items():
            rows = np.array([el == lg for el in eff_langs])
            if rows.any():
                for lab, col in mapping.items():
                    probs[rows, self.text_heads.index(lab)] = probs_all[rows, self.all_heads.index(col)]
                    if want_site:
                        label_logits[rows, self.text_heads.index(lab)] = logits[rows, self.all_heads.index(col)]
        scores[:, : len(self.text_heads)] = probs
        # off-topic: needs the post / parent; without it only promotion signals remain
        ctx = [self._context_of(it) for it in items]
        has = np.array([bool(c) for c in ctx])
        ot = probs[:, self._spam_idx] * self._ot_nocontext_scale
        ot_logit = logits[:, self._spam_idx] + np.log(self._ot_nocontext_scale) if want_site else None
        if has.any():
            idx = np.where(has)[0]
            cnorms = normalize_batch([ctx[i] for i in idx])
            given = [items[i].get("lang") or langs[i] for i in idx]
            args = ([texts[i] for i in idx], [norms[i] for i in idx])
            rest = ([ctx[i] for i in idx], cnorms, self.featurizer, logits[idx, self._spam_idx],
                    given, self._stopstems, self._idf_word, self._idf_char)
            if len(idx) <= SMALL_PAIR_BATCH:
                # same numbers as pair_features, without scipy.sparse overhead
                feats = pair_features_small(*args, enc, idx, *rest)
            else:
                wb = sum(wbl[1:], wbl[0]).tocsr()
                cb = (sum(cbl[1:], cbl[0]).tocsr() if cbl else
                      sp.csr_matrix((n, self.featurizer.n_char), dtype=np.float32))
                feats = pair_features(*args, cb[idx], wb[idx], *rest)
            z = self._offtopic_logits(feats[:, self._ot_cols])
            ot[idx] = apply_calibration(z, *self._ot_calib)
            if want_site:
                ot_logit[idx] = z
        scores[:, len(self.text_heads)] = ot
        # empty / whitespace-only text: nothing to judge
        empty = np.array([not nm for nm in norms])
        if empty.any():
            scores[empty, :] = 0.0
        site = None
        if want_site:
            site = {"logits": np.column_stack([label_logits, ot_logit]).astype(np.float32),
                    "dense": np.zeros((n, 0), dtype=np.float32),
                    "sparse": self._hashed_rows(n, wbl, cbl)}
        return scores, langs, norms, site

    def _empty_site_features(self) -> dict:
        return {"logits": np.zeros((0, len(LABELS)), np.float32), "dense": np.zeros((0, 0), np.float32),
                "sparse": sp.csr_matrix((0, self.featurizer.n_word + self.featurizer.n_char), dtype=np.float32)}

    def _hashed_rows(self, n: int, wbl: list, cbl: list) -> sp.csr_matrix:
        """The word and character blocks side by side (char columns after the word ones), one
        CSR row per comment; duplicate columns are kept (they add up in products)."""
        blocks = [(b, 0) for b in wbl] + [(b, self.featurizer.n_word) for b in cbl]
        counts = [np.diff(b.indptr) for b, _ in blocks]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sum(counts), out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=np.int32)
        data = np.empty(indptr[-1], dtype=np.float32)
        start = indptr[:-1].copy()
        for (b, offset), cnt in zip(blocks, counts):
            if b.nnz:
                row = np.repeat(np.arange(n), cnt)
                pos = start[row] + (np.arange(b.nnz) - b.indptr[row])
                indices[pos] = b.indices + offset
                data[pos] = b.data
            start += cnt
        return sp.csr_matrix((data, indices, indptr), shape=(n, self.featurizer.n_word + self.featurizer.n_char))

    def site_features(self, items: list[dict]) -> dict:
        """Inputs of per-site heads (``models.site``): ``logits`` (float32 n x len(LABELS):
        the global per-label logits before calibration, after language routing),
        ``dense`` (float32 n x 0: this model has no sentence vectors) and ``sparse`` (CSR
        n x F hashed word + character n-grams of the normalized text)."""
        return self._forward(items, want_site=True)[3]

    def score_batch(self, items: list[dict]) -> list[dict]:
        scores, langs, _ = self.raw_scores(items)
        return self._outputs(items, scores, langs)

    def score_batch_with_site_features(self, items: list[dict]) -> tuple[list[dict], dict]:
        """``score_batch(items)`` and ``site_features(items)`` from one forward pass (what
        scoring uses for the comments of a site with its own model)."""
        scores, langs, _, site = self._forward(items, want_site=True)
        return self._outputs(items, scores, langs), site

    def _outputs(self, items: list[dict], scores: np.ndarray, langs: list[str]) -> list[dict]:
        out = []
        rows = np.round(scores, 6).tolist()
        for i, it in enumerate(items):
            given = it.get("lang")
            out.append({
                "scores": dict(zip(LABELS, rows[i])),
                "lang": given if given else langs[i],
                "lang_detected": langs[i],
            })
        return out

    def score(self, text: str, **context) -> dict:
        item = {"text": text, **context}
        return self.score_batch([item])[0]

    def explain(self, item: dict, top_k: int = 10) -> list[dict]:
        from .explain import explain_item
        return explain_item(self, item, top_k=top_k)

    def __repr__(self) -> str:
        return f"<colombe Model {self.version} at {self.path}>"


def load_model(path: str | os.PathLike | None = None) -> Model:
    p = pathlib.Path(path) if path is not None else bundled_artifact_dir()
    mpath = p / "manifest.json"
    if not mpath.exists():
        raise ModelLoadError(f"{p}: no manifest.json (not a Colombe model artifact)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ModelLoadError(f"{mpath}: unreadable manifest ({e})") from e
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{p}: artifact format {manifest.get('format_version')} unsupported "
                             f"(expected {FORMAT_VERSION})")
    files = manifest.get("files") or {}
    for req in ("config.json", "heads.npz", "offtopic.npz"):
        if req not in files:
            raise ModelLoadError(f"{p}: manifest does not list {req}")
    for name, meta in files.items():
        fp = p / name
        if not fp.is_file():
            raise ModelLoadError(f"{p}: missing file {name}")
        if _sha256(fp) != meta["sha256"]:
            raise ModelLoadError(f"{p}: sha256 mismatch for {name} (file altered or corrupt)")
    _check_versions(manifest.get("libraries", {}))
    try:
        config = json.loads((p / "config.json").read_text(encoding="utf-8"))
        heads = _npz(p / "heads.npz")
        offtopic = _npz(p / "offtopic.npz")
        return Model(p, manifest, config, heads, offtopic)
    except (KeyError, ValueError, OSError) as e:
        raise ModelLoadError(f"{p}: invalid artifact content ({e})") from e


@functools.lru_cache(maxsize=1)
def default_model() -> Model:
    return load_model(None)
