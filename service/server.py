"""gunicorn, configured in code, for both modes."""
from __future__ import annotations

import logging

from gunicorn.app.base import BaseApplication

from .config import Settings
from . import metrics

log = logging.getLogger("colombe.server")


class ColombeServer(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        # Called in each worker process after fork: engines and threads start here.
        from .app import create_app

        app = create_app(self.settings)
        if self.settings.embedded:
            from .core.jobs import get_model

            # load the model before the first request; e5 gets every core of this one process
            get_model(self.settings.model_dir, encoder_threads=self.settings.scoring_threads)
            app.extensions["colombe"]["dispatcher"]()  # start the scoring + sweeper threads now
        self._app = app
        return app


def _child_exit(server, worker):
    metrics.mark_process_dead(worker.pid)


def _worker_exit(server, worker):
    """Graceful stop: the embedded scoring thread finishes its batch; buffered ids are sent."""
    app = getattr(server.app, "_app", None)
    if app is not None:
        try:
            app.extensions["colombe"]["dispatcher"]().close()
            thread = app.extensions.get("colombe_integrations", {}).get("thread")
            if thread is not None:
                thread.close()
        except Exception:  # pragma: no cover
            log.exception("background threads did not close cleanly")


def run_server(settings: Settings, host: str, port: int, web_workers: int | None = None) -> None:
    metrics.reset_dir(settings.metrics_dir)
    metrics.configure(settings.metrics_dir)
    if settings.embedded:
        # One process: the in-process worker and the web threads share the model and SQLite.
        workers, threads = 1, max(4, settings.web_threads)
    else:
        workers, threads = web_workers or settings.web_workers, settings.web_threads
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "child_exit": _child_exit,
        "worker_exit": _worker_exit,
        "limit_request_line": 8190,
        "proc_name": "colombe-web",
    }
    log.info("starting", extra={"bind": options["bind"], "mode": "embedded" if settings.embedded else "production",
                                "workers": workers, "threads": threads})
    ColombeServer(settings, options).run()
