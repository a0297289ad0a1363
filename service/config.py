"""One Settings object, read from COLOMBE_* environment variables.

The web tier, the Celery workers and the CLI all build their settings here, so a
deployment is configured in exactly one way. Tests pass their own overrides
(`Settings.from_env(env, **overrides)`, `settings.replace(...)`).

Every tunable is a typed field. A field declared with `setting(...)` names its
environment variable and says what it means: that is the whole documentation of the
variable, and README's configuration table is generated from it
(`python scripts/settings_table.py --write`; a test fails when they differ). Fields
without a variable are fixed limits or test switches.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Callable


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, got {raw!r}")


def _str(_name: str, raw: str) -> str:
    return raw


def _path(_name: str, raw: str) -> Path:
    return Path(raw).expanduser()


def _upper(_name: str, raw: str) -> str:
    return raw.upper()


def _host_list(_name: str, raw: str) -> tuple:
    return tuple(dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip()))


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.lower()
        if value not in choices:
            raise ValueError(f"{name} must be {' or '.join(repr(c) for c in choices)}, got {raw!r}")
        return value

    return parse


def setting(default, env: str, doc: str, parse: Callable[[str, str], object] = _str, shown: str | None = None):
    """A field read from the environment variable `env`; `doc` and `shown` (the default
    as a reader should see it, when `default` is worked out at start) go to README."""
    return field(default=default, metadata={"env": env, "doc": doc, "parse": parse,
                                            "shown": shown if shown is not None else f"`{default}`"})


@dataclass(frozen=True)
class Settings:
    # -- where things live
    data_dir: Path = setting(Path("var"), "COLOMBE_DATA_DIR", "where the embedded database, the generated secret "
                             "key, metrics files and retrained models live", _path, "`./var`")
    database_url: str = setting("", "COLOMBE_DATABASE_URL", "SQLAlchemy URL, e.g. "
                                "`postgresql+psycopg://user@host:5432/colombe`", shown="`sqlite:///<data dir>/colombe.db`")
    broker_url: str | None = setting(None, "COLOMBE_BROKER_URL", "Celery broker, e.g. `redis://127.0.0.1:6379/0`; "
                                     "when set, `serve` runs only the web tier", shown="unset (embedded mode)")
    secret_key: str = setting("", "COLOMBE_SECRET_KEY", "signs sessions and encrypts stored webhook secrets; every "
                              "process must share it", shown="generated into `<data dir>/secret_key`")
    model_dir: str | None = setting(None, "COLOMBE_MODEL_DIR", "a model artifact folder (arrays + JSON, checked "
                                    "against its manifest)", shown="the bundled artifact")
    training_data_dir: Path | None = setting(None, "COLOMBE_TRAINING_DATA", "the shared public training data read by "
                                             "`colombe train` and `colombe retrain`", _path,
                                             "`<repo>/../shared/data`")
    model_profile: str = setting("full", "COLOMBE_MODEL_PROFILE", "`full`: n-grams plus the multilingual sentence "
                                 "encoder (reads meaning across French and English; about 150 MB more per scoring "
                                 "process); `fast`: n-grams only (scores carry `<version>+fast`). The synchronous "
                                 "Perspective/Akismet/Coral APIs always use `full`.", _choice("full", "fast"))
    metrics_dir: Path | None = setting(None, "COLOMBE_METRICS_DIR", "shared by all processes of one host for "
                                       "Prometheus multiprocess metrics", _path, "`<data dir>/metrics`")
    # -- web tier
    host: str = setting("127.0.0.1", "COLOMBE_HOST", "where `colombe serve` listens")
    port: int = setting(8000, "COLOMBE_PORT", "the port `colombe serve` listens on", _int)
    web_workers: int = setting(2, "COLOMBE_WEB_WORKERS", "gunicorn processes (production mode)", _int)
    web_threads: int = setting(4, "COLOMBE_WEB_THREADS", "threads per gunicorn process", _int)
    secure_cookies: bool = setting(False, "COLOMBE_SECURE_COOKIES", "`Secure` session cookies (HTTPS); `1` or `0`",
                                   _bool, "on with a broker, off embedded")
    session_lifetime_s: int = setting(12 * 3600, "COLOMBE_SESSION_LIFETIME", "seconds a moderator stays signed in "
                                      "after logging in (the session ends then, active or not; logging out, a password "
                                      "change or a deactivation end it at once)", _int, "`43200` (12 h)")
    trusted_proxies: int = setting(0, "COLOMBE_TRUSTED_PROXIES", "reverse proxies in front of Colombe that set "
                                   "`X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host` (the number of "
                                   "hops trusted); `0` ignores these headers, so nobody can forge a client address",
                                   _int)
    metrics_token: str | None = setting(None, "COLOMBE_METRICS_TOKEN", "when set, `/metrics` needs `Authorization: "
                                        "Bearer <token>` (site ids appear as labels)", shown="unset (open)")
    # "eager": every web worker loads the model at start, so the synchronous drop-in APIs
    # (Perspective, Akismet, Coral) answer their first call at full speed; "lazy": on that
    # first call (a web tier that only takes webhooks never loads numpy/scipy/the model).
    web_model: str = setting("lazy", "COLOMBE_WEB_MODEL", "`eager`: every web worker loads the model at start (about "
                             "+55 MB each), so the synchronous Perspective/Akismet/Coral APIs answer their first call "
                             "without a load of about 0.5 s; `lazy`: on that first call. Webhooks never need it: "
                             "workers score.", _choice("eager", "lazy"))
    coral_deadline_ms: int = setting(150, "COLOMBE_CORAL_DEADLINE_MS", "milliseconds Colombe takes at most to answer "
                                     "Coral's external moderation phase; past it, it answers 204 (no opinion) and "
                                     "finishes scoring in the background. Keep it below the phase's timeout in Coral "
                                     "(Coral's default: 200 ms)", _int)
    sync_model_budget_ms: int = setting(100, "COLOMBE_SYNC_MODEL_BUDGET_MS", "milliseconds the synchronous APIs "
                                        "(Perspective, Coral) let the model's second stage (e5, `full` profile) run "
                                        "from the start of a scoring call; past it the first stage's scores stand",
                                        _int)
    log_level: str = setting("INFO", "COLOMBE_LOG_LEVEL", "log level of the JSON logs on stderr (`DEBUG`, `INFO`, "
                             "`WARNING`, `ERROR`)", _upper)
    # -- intake (webhooks, platforms, imports)
    max_body_bytes: int = setting(1024 * 1024, "COLOMBE_MAX_BODY_BYTES", "request body limit of the webhooks and "
                                  "APIs (413 above)", _int)
    max_batch: int = setting(500, "COLOMBE_MAX_BATCH", "comments per webhook request (422 above)", _int)
    signature_tolerance_s: int = setting(300, "COLOMBE_SIGNATURE_TOLERANCE", "seconds a webhook's "
                                         "`X-Colombe-Timestamp` may be away from now (401 beyond)", _int)
    backlog_limit: int = setting(100_000, "COLOMBE_BACKLOG_LIMIT", "unscored comments before intake refuses more: "
                                 "webhooks answer 503 + `Retry-After`, pollers and imports stop and retry later; "
                                 "`0` turns the check off", _int)
    max_text_chars: int = 100_000  # stored in full up to this size
    # -- scoring
    score_batch_max: int = setting(500, "COLOMBE_SCORE_BATCH", "comments a scoring task tops its batch up to "
                                   "(one model call)", _int)
    enqueue_linger_ms: int = setting(25, "COLOMBE_ENQUEUE_LINGER_MS", "milliseconds the web tier groups the ids of "
                                     "concurrent requests into one scoring message", _int)
    sweep_after_s: int = setting(60, "COLOMBE_SWEEP_AFTER", "seconds after which a comment still `received` is "
                                 "re-enqueued by the sweeper", _int)
    sweep_interval_s: int = setting(30, "COLOMBE_SWEEP_INTERVAL", "seconds between two sweeps", _int)
    encoder_threads: int = setting(0, "COLOMBE_ENCODER_THREADS", "threads of the `full` profile's second-stage "
                                   "encoder (e5) in a scoring process (the same scores at any count); `0`: every core "
                                   "(at most 4) in embedded mode, where one process scores, and 1 with a broker, where "
                                   "each Celery worker process has a core", _int, "`0` (automatic)")
    score_prefix_chars: int = 5_000  # the model reads at most this many characters
    scoring_queue: str = "scoring"
    # -- platform write-back (the outbox) and pollers
    notify_interval_s: float = setting(5.0, "COLOMBE_NOTIFY_INTERVAL", "seconds between two periodic passes over the "
                                       "outbox, for retries and lost messages (decisions themselves leave as soon as "
                                       "they are committed; the beat schedule uses at least 1)", _float)
    notify_timeout_s: float = setting(10.0, "COLOMBE_NOTIFY_TIMEOUT", "timeout in seconds of one request to a "
                                      "platform (write-back, outbound webhook, polls)", _float)
    notify_backoff_base_s: float = setting(5.0, "COLOMBE_NOTIFY_BACKOFF_BASE", "seconds before the first retry of a "
                                           "failed delivery; doubles on each attempt", _float)
    notify_backoff_max_s: float = setting(3600.0, "COLOMBE_NOTIFY_BACKOFF_MAX", "longest wait between two attempts "
                                          "of a delivery, in seconds", _float)
    notify_max_attempts: int = setting(10, "COLOMBE_NOTIFY_MAX_ATTEMPTS", "attempts before a delivery is "
                                       "dead-lettered", _int)
    notify_concurrency: int = setting(4, "COLOMBE_NOTIFY_CONCURRENCY", "requests in flight at once to one destination "
                                      "(host and port) from one delivery task", _int)
    outbound_allowed_hosts: tuple = setting((), "COLOMBE_OUTBOUND_ALLOWED_HOSTS", "comma-separated host names, or "
                                          "`host:port`, that outbound requests (decision webhooks, platform APIs) may "
                                          "reach although they resolve to loopback, private or link-local addresses; "
                                          "every other such destination is refused", _host_list, "empty (none)")
    poll_interval_s: float = setting(60.0, "COLOMBE_POLL_INTERVAL", "default seconds between two polls of a Blogger "
                                     "or Disqus connection (`colombe integrations set --poll-interval` per site)", _float)
    poll_beat_s: float = setting(15.0, "COLOMBE_POLL_BEAT", "seconds between two beat checks for connections due a "
                                 "poll (production; at least 1)", _float)
    poll_max_pages: int = setting(20, "COLOMBE_POLL_MAX_PAGES", "pages one poll reads at most before yielding", _int)
    # -- per-site learning (models.site, service/core/site_learning.py)
    site_learning: bool = setting(True, "COLOMBE_SITE_LEARNING", "train a site's own model automatically after "
                                  "every `COLOMBE_SITE_LEARN_EVERY` new decisions of that site (`colombe learn` "
                                  "works either way); `1` or `0`", _bool, "`1`")
    site_learn_every: int = setting(100, "COLOMBE_SITE_LEARN_EVERY", "new human decisions (and Akismet / "
                                    "Perspective labels) of a site that start a training run; each site can "
                                    "override it in its settings", _int)
    site_learn_check_s: float = setting(60.0, "COLOMBE_SITE_LEARN_CHECK", "seconds between two checks for sites "
                                        "due a training run (and for pending comments left with an old site model "
                                        "version)", _float)
    site_min_decisions: int = setting(50, "COLOMBE_SITE_MIN_DECISIONS", "labels a site needs before a site model "
                                      "is trained (and at least 10 of each class for a label to get a head)", _int)
    site_promotion_margin: float = setting(0.01, "COLOMBE_SITE_PROMOTION_MARGIN", "ROC AUC a candidate must gain "
                                           "over the live model on the held-out newest decisions (with a 90 % "
                                           "bootstrap interval above zero) to be promoted automatically; "
                                           "docs/decisions/2026-11-30-site-model-promotion.md", _float)
    admin_token: str | None = setting(None, "COLOMBE_ADMIN_TOKEN", "when set, `Authorization: Bearer <token>` "
                                      "may promote or roll back any site's model through the API (besides each "
                                      "site's own API token)", shown="unset")
    # -- switches for tests and embedding (None = automatic: on in embedded mode, off under tests)
    background_thread: bool | None = None  # the embedded outbox + pollers thread (and site learning's)
    warm_model: bool | None = None  # load the model at web start (see web_model)
    testing: bool = False

    @property
    def embedded(self) -> bool:
        """No broker configured: web and scoring worker share one process."""
        return not self.broker_url

    @property
    def scoring_threads(self) -> int:
        """`encoder_threads` worked out: what e5 gets in this deployment's scoring processes."""
        if self.encoder_threads > 0:
            return self.encoder_threads
        if not self.embedded:
            return 1
        from models.encoder import every_core   # only where a model is loaded anyway

        return every_core()

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = dict(os.environ if env is None else env)
        values: dict = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            raw = env.get(name) if name else None
            if raw is not None and raw != "":
                values[f.name] = f.metadata["parse"](name, raw)
        data_dir = Path(values.get("data_dir") or cls.data_dir).expanduser().resolve()
        values["data_dir"] = data_dir
        values.setdefault("database_url", f"sqlite:///{data_dir / 'colombe.db'}")
        # Session cookies are Secure (HTTPS only) in production; the embedded mode serves
        # plain http://127.0.0.1, so it defaults to off there.
        values.setdefault("secure_cookies", bool(values.get("broker_url")))
        values.update(overrides)
        settings = cls(**values)
        if not settings.secret_key:
            settings = replace(settings, secret_key=_local_secret_key(settings.data_dir))
        if settings.metrics_dir is None:
            settings = replace(settings, metrics_dir=settings.data_dir / "metrics")
        return settings

    @classmethod
    def read(cls, name: str, env: dict | None = None):
        """One field's value from the environment (its default when unset), without the
        rest of `from_env`'s work (no data dir, no generated secret key)."""
        f = next(f for f in fields(cls) if f.name == name)
        raw = (os.environ if env is None else env).get(f.metadata["env"])
        return f.metadata["parse"](f.metadata["env"], raw) if raw not in (None, "") else f.default

    def replace(self, **changes) -> "Settings":
        return replace(self, **changes)


def documented_settings() -> list:
    """The fields read from the environment, in declaration order (README's table)."""
    return [f for f in fields(Settings) if f.metadata.get("env")]


def settings_table() -> str:
    """README's configuration table (Markdown), generated from the fields above."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in documented_settings():
        rows.append(f"| `{f.metadata['env']}` | {f.metadata['shown']} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


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
    make_private_dir(data_dir)
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


def make_private_dir(path: Path) -> None:
    """Create a directory readable by its owner only (0700), parents as needed; an existing
    directory is left as the operator made it."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # another process made it
            return
        path.chmod(0o700)  # whatever the umask
