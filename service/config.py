"""One Settings object, read from COLOMBE_* environment variables.

The web tier, the Celery workers and the CLI all build their settings here, so a
deployment is configured in exactly one way. Tests pass their own overrides.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: dict, name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str | None = None
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    model_dir: str | None = None  # None = the bundled artifact
    # "full": n-grams + the multilingual sentence encoder (default); "fast": n-grams only.
    # The synchronous drop-in APIs (Perspective, Akismet, Coral) always use "full".
    model_profile: str = "full"
    max_body_bytes: int = 1024 * 1024
    max_batch: int = 500
    max_text_chars: int = 100_000  # stored in full up to this size
    score_prefix_chars: int = 5_000  # the model reads at most this many characters
    score_batch_max: int = 500  # a scoring task tops its batch up to this many waiting comments
    enqueue_linger_ms: int = 25  # the web tier groups ids of concurrent requests into one message
    signature_tolerance_s: int = 300
    sweep_after_s: int = 60  # comments left `received` longer than this are re-enqueued
    sweep_interval_s: int = 30
    backlog_limit: int = 100_000  # unscored comments before the webhook answers 503
    web_workers: int = 2
    web_threads: int = 4
    scoring_queue: str = "scoring"
    metrics_dir: Path | None = None
    log_level: str = "INFO"
    secure_cookies: bool = False
    metrics_token: str | None = None  # when set, /metrics needs "Authorization: Bearer <token>"
    # "eager": every web worker loads the model at start, so the synchronous drop-in APIs
    # (Perspective, Akismet, Coral) answer their first call at full speed; "lazy": on that
    # first call (a web tier that only takes webhooks never loads numpy/scipy/the model).
    web_model: str = "lazy"
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """No broker configured: web and scoring worker share one process."""
        return not self.broker_url

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("COLOMBE_DATA_DIR") or "var").expanduser().resolve()
        database_url = env.get("COLOMBE_DATABASE_URL") or f"sqlite:///{data_dir / 'colombe.db'}"
        values = dict(
            data_dir=data_dir,
            database_url=database_url,
            broker_url=env.get("COLOMBE_BROKER_URL") or None,
            secret_key=env.get("COLOMBE_SECRET_KEY") or "",
            host=env.get("COLOMBE_HOST") or "127.0.0.1",
            port=_int(env, "COLOMBE_PORT", 8000),
            model_dir=env.get("COLOMBE_MODEL_DIR") or None,
            model_profile=(env.get("COLOMBE_MODEL_PROFILE") or "full").strip().lower(),
            max_body_bytes=_int(env, "COLOMBE_MAX_BODY_BYTES", 1024 * 1024),
            max_batch=_int(env, "COLOMBE_MAX_BATCH", 500),
            score_batch_max=_int(env, "COLOMBE_SCORE_BATCH", 500),
            enqueue_linger_ms=_int(env, "COLOMBE_ENQUEUE_LINGER_MS", 25),
            sweep_after_s=_int(env, "COLOMBE_SWEEP_AFTER", 60),
            sweep_interval_s=_int(env, "COLOMBE_SWEEP_INTERVAL", 30),
            backlog_limit=_int(env, "COLOMBE_BACKLOG_LIMIT", 100_000),
            web_workers=_int(env, "COLOMBE_WEB_WORKERS", 2),
            web_threads=_int(env, "COLOMBE_WEB_THREADS", 4),
            signature_tolerance_s=_int(env, "COLOMBE_SIGNATURE_TOLERANCE", 300),
            metrics_dir=Path(env["COLOMBE_METRICS_DIR"]) if env.get("COLOMBE_METRICS_DIR") else None,
            log_level=(env.get("COLOMBE_LOG_LEVEL") or "INFO").upper(),
            metrics_token=env.get("COLOMBE_METRICS_TOKEN") or None,
            web_model=(env.get("COLOMBE_WEB_MODEL") or "lazy").lower(),
        )
        if values["model_profile"] not in ("full", "fast"):
            raise ValueError(f"COLOMBE_MODEL_PROFILE must be 'full' or 'fast', got {values['model_profile']!r}")
        if values["web_model"] not in ("eager", "lazy"):
            raise ValueError(f"COLOMBE_WEB_MODEL must be 'eager' or 'lazy', got {values['web_model']!r}")
        # Session cookies are Secure (HTTPS only) in production; the embedded mode serves
        # plain http://127.0.0.1, so it defaults to off there. COLOMBE_SECURE_COOKIES=1|0 decides.
        secure = env.get("COLOMBE_SECURE_COOKIES", "")
        values["secure_cookies"] = secure.lower() in ("1", "true", "yes") if secure else bool(values["broker_url"])
        values.update(overrides)
        settings = cls(**values)
        if not settings.secret_key:
            settings = replace(settings, secret_key=_local_secret_key(settings.data_dir))
        if settings.metrics_dir is None:
            settings = replace(settings, metrics_dir=settings.data_dir / "metrics")
        return settings

    def replace(self, **changes) -> "Settings":
        return replace(self, **changes)


def _local_secret_key(data_dir: Path) -> str:
    """Embedded convenience: generate a secret key once and keep it in the data dir.

    Production deployments set COLOMBE_SECRET_KEY; every process must share it
    because webhook secrets are encrypted with a key derived from it.
    """
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key
