"""Retraining on moderator decisions, in production mode: decisions in PostgreSQL →
`colombe retrain --enqueue` sends `colombe.train_model` by name to Redis → a real
`colombe worker -Q training` writes a new artifact under <data_dir>/models; a worker
that consumes only `scoring` leaves the task alone."""
from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import COLOMBE, ROOT, fresh_redis_url, production_env, run_cli, wait_for


TOXIC = ["Espèce d'idiot, tu n'as rien compris", "T'es qu'un connard fini", "Ferme-la, abruti",
         "You stupid moron, nobody cares", "Shut up, idiot", "What a pathetic loser you are",
         "Quel crétin, cet auteur", "Imbécile, va lire un livre"]
CLEAN = ["Merci pour cet article très clair", "Très bon billet sur le jardinage", "Great write-up about cycling",
         "J'ai appris beaucoup sur la cuisine italienne", "Thanks for sharing the recipe", "Bel article sur la montagne",
         "Lovely photos of the lake at dawn", "Je partage votre avis sur ce roman"]
SPAM = ["Buy cheap followers at example.com", "Gagnez de l'argent vite sur monsite.fr",
        "Check my channel for free gift cards", "Cheap pills online, best pharmacy deals"]
TAILS = ["vraiment", "honestly", "encore une fois", "today", "ce soir", "again", "franchement", "as usual"]
EXTRA = ["alpha", "bravo", "delta", "echo", "golf", "hotel", "india", "kilo", "lima", "oscar", "tango", "zulu"]


@pytest.fixture(scope="module")
def train_env(pg_url, tmp_path_factory):
    data = tmp_path_factory.mktemp("training")
    return production_env(pg_url, fresh_redis_url(), data)


@pytest.fixture(scope="module")
def decided_site(train_env):
    """A site whose moderators approved, rejected (toxic / spam) and also left ambiguous rejects."""
    from service.core.status_changes import change_status
    from service.core.sites import create_site
    from service.db.session import session_scope
    from service.db.tables import APPROVED, PENDING, REJECTED, Comment

    rng = random.Random(7)
    with session_scope(train_env["COLOMBE_DATABASE_URL"]) as s:
        site_id = create_site(s, "Retrain blog", "k").site.id
        s.flush()
        n = 0
        for i in range(40):
            for label, pool in (("toxic", TOXIC), ("clean", CLEAN), ("spam", SPAM)):
                if label == "spam" and i % 2:
                    continue
                text = f"{rng.choice(pool)} {rng.choice(TAILS)} {rng.choice(EXTRA)} {rng.choice(EXTRA)} {n}"
                c = Comment(site_id=site_id, external_id=f"t-{n}", text=text, status=PENDING)
                s.add(c)
                s.flush()
                # the model's decision first, then the moderator's (which wins)
                change_status(s, c, REJECTED if label != "clean" else APPROVED, actor="auto",
                              action="reject" if label != "clean" else "approve", reason="toxic")
                if label == "clean":
                    change_status(s, c, APPROVED, actor="user:mod", action="approve")
                else:
                    change_status(s, c, REJECTED, actor="user:mod", action="reject", reason=label)
                n += 1
        amb = Comment(site_id=site_id, external_id="ambiguous", text="Rejected with no reason", status=PENDING)
        s.add(amb)
        s.flush()
        change_status(s, amb, REJECTED, actor="user:mod", action="reject", reason="other")
    return {"id": site_id, "decisions": n}


def _start_worker(env, queues, log_name):
    log = open(os.path.join(env["COLOMBE_DATA_DIR"], f"{log_name}.log"), "w")
    proc = subprocess.Popen([COLOMBE, "worker", "--concurrency", "1", "--queues", queues, "--name",
                             f"{log_name}@%h"], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def _stop(proc, log):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()


def _bundled_state():
    art = ROOT / "models" / "artifacts"
    return sorted(p.name for p in art.iterdir()), (art / "CURRENT").read_text()


def test_training_task_routes_and_limits():
    from service.config import Settings
    from workers.celery_app import make_celery

    app = make_celery(Settings.from_env({"COLOMBE_BROKER_URL": "redis://127.0.0.1:1/0"}))
    task = app.tasks["colombe.train_model"]
    assert app.conf.task_routes["colombe.train_model"] == {"queue": "training"}
    assert task.soft_time_limit >= 3 * 3600 and task.time_limit > task.soft_time_limit
    assert task.acks_late and not task.reject_on_worker_lost
    assert app.conf.broker_transport_options["visibility_timeout"] > task.time_limit
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]


def test_decisions_are_trained_on_by_a_training_worker(train_env, decided_site):
    import redis

    from models.registry import load_model

    bundled = _bundled_state()
    broker = redis.Redis.from_url(train_env["COLOMBE_BROKER_URL"])
    models_dir = Path(train_env["COLOMBE_DATA_DIR"]) / "models"

    # a scoring-only worker is running: it must not take the training task
    scoring, slog = _start_worker(train_env, "scoring", "scoring-worker")
    try:
        time.sleep(4)  # let it connect and start consuming
        out = run_cli(["retrain", "--enqueue", "--site", decided_site["id"], "--limit-per-dataset", "60"],
                      train_env)
        sent = json.loads(out.stdout)
        assert sent["queue"] == "training" and sent["site_ids"] == [decided_site["id"]]
        assert broker.llen("training") == 1
        time.sleep(4)
        assert broker.llen("training") == 1, "a scoring-only worker consumed the training task"
        assert not models_dir.exists() or not any(models_dir.iterdir())
    finally:
        _stop(scoring, slog)

    training, tlog = _start_worker(train_env, "training", "training-worker")
    try:
        artifact = wait_for(lambda: next((p for p in models_dir.glob("colombe-*") if (p / "manifest.json").exists()),
                                         None) if models_dir.exists() else None,
                            timeout=150, interval=0.5, message="the training worker's artifact")
    finally:
        _stop(training, tlog)
    log_text = (Path(train_env["COLOMBE_DATA_DIR"]) / "training-worker.log").read_text()
    assert broker.llen("training") == 0, log_text[-3000:]

    model = load_model(artifact)
    manifest = json.loads((artifact / "manifest.json").read_text())
    src = {s["name"]: s for s in manifest["data_sources"]}
    assert "site_decisions" in src and src["site_decisions"]["license"] == "the site's own moderation decisions"
    rows = src["site_decisions"]["rows"]
    assert sum(rows.values()) > 0 and any(k.endswith("/test") for k in rows), rows
    assert "site_decisions" in manifest["heads"]["toxicity"]["datasets"]
    assert any(k.startswith("site_decisions_toxicity_auc_") for k in manifest["evaluation_summary"])
    assert model.score_batch([{"text": "Merci pour cet article"}])[0]["scores"]["toxicity"] < 0.9

    exported = sorted((Path(train_env["COLOMBE_DATA_DIR"]) / "training").glob("decisions-*.csv"))
    assert len(exported) == 1
    lines = exported[0].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "text,lang,label,source_id"
    assert len(lines) - 1 == decided_site["decisions"]  # the ambiguous reject is not exported
    assert _bundled_state() == bundled  # never made current, bundled artifact untouched


def test_retrain_in_process(train_env, decided_site, tmp_path):
    env = {**train_env, "COLOMBE_DATA_DIR": str(tmp_path / "var")}
    out = run_cli(["retrain", "--site", decided_site["id"], "--limit-per-dataset", "60", "--quiet"], env,
                  timeout=180)
    res = json.loads(out.stdout)
    assert res["decisions"] == decided_site["decisions"]
    assert Path(res["artifact"]).parent == tmp_path / "var" / "models"
    assert res["summary"].get("site_decisions_toxicity_auc_en_test") or \
        res["summary"].get("site_decisions_toxicity_auc_fr_test")
    print("site_decisions summary:", {k: v for k, v in res["summary"].items() if k.startswith("site_")})

    empty = run_cli(["retrain", "--site", "no-such-site", "--quiet"], env)
    assert json.loads(empty.stdout)["artifact"] is None
