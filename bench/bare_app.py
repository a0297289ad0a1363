"""The web tier's own limit: a Flask endpoint that only answers 202, served like Colombe."""
from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.post("/api/v1/sites/<site_id>/comments")
    def receive(site_id):
        return jsonify({"comments": [{"id": 1, "status": "received", "duplicate": False}]}), 202

    return app


if __name__ == "__main__":  # python bench/bare_app.py HOST PORT WORKERS THREADS
    import sys

    from gunicorn.app.base import BaseApplication

    class Bare(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{sys.argv[1]}:{sys.argv[2]}")
            self.cfg.set("workers", int(sys.argv[3]))
            self.cfg.set("threads", int(sys.argv[4]))
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("loglevel", "warning")

        def load(self):
            return create_app()

    Bare().run()
