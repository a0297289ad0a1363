"""Per-site learning in production mode: PostgreSQL, Redis, a real `colombe worker` with beat
and the `training` queue, comments through the signed webhook, decisions through the API.

1. After N decisions the beat check starts `colombe.learn_site` on the `training` queue; the
   candidate beats the global model on the site's own line and is promoted; new comments
   carry `<global>+<site>.v1`.
2. A promotion while comments keep arriving and a pending queue is being rescored: every
   comment is stored once, scored, and the pending ones end with the live version; nothing
   is lost or decided twice.
"""
from __future__ import annotations

import json
import os
import random
import threading
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import (create_site_cli, fresh_redis_url, production_env, run_cli, sign_headers, start_worker,
                            stop_worker, wait_for)

# This site's line, which the global model does not know: anything about the broccoli
# lobby is out of bounds. Written for this test.
TOPIC = ["le lobby du brocoli", "les amis du brocoli", "la ligue pro-brocoli", "le brocoli obligatoire",
         "les fanatiques du brocoli", "la propagande du brocoli"]
NEUTRAL = ["la randonnée de dimanche", "le nouveau pont de la ville", "la recette de la tarte aux pommes",
           "le concert au parc", "la bibliothèque du quartier", "le marché du samedi", "les photos du lac",
           "le club de lecture", "la piste cyclable", "le potager partagé"]
VERBS = ["J'ai lu un article sur", "On parle beaucoup de", "Que pensez-vous de", "Mon voisin m'a parlé de",
         "Hier soir il était question de", "Je reviens sur"]
ENDS = ["ce matin.", "dans le journal.", "avec mes collègues.", "à la radio.", "sur ce blog.", "en famille."]
INSULTS = ["Espèce d'idiot, relis le billet", "T'es vraiment un abruti fini", "Quel crétin cet auteur",
           "Ferme-la, imbécile", "Bande de nuls incompétents", "Pauvre con, tu n'as rien compris"]


def sentence(rng, topic: bool) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(TOPIC if topic else NEUTRAL)} {rng.choice(ENDS)} ({rng.randrange(10**6)})"


@pytest.fixture(scope="module")
def learn_env(pg_url, tmp_path_factory):
    data = tmp_path_factory.mktemp("site-learning")
    return production_env(pg_url, fresh_redis_url(), data, COLOMBE_SWEEP_AFTER="2", COLOMBE_SWEEP_INTERVAL="1",
                          COLOMBE_SITE_LEARN_CHECK="1", COLOMBE_SITE_LEARN_EVERY="120",
                          COLOMBE_SITE_MIN_DECISIONS="60")


@pytest.fixture(scope="module")
def learn_worker(learn_env):
    """Scoring, beat and the training queue in one real worker process."""
    proc = start_worker(learn_env, "--concurrency", "2", "--beat", "--queues", "scoring,notify,celery,training",
                        "--name", "site-learning@%h", log_path=os.path.join(learn_env["COLOMBE_DATA_DIR"], "worker.log"))
    yield proc
    stop_worker(proc)


@pytest.fixture(scope="module")
def learn_app(learn_env):
    from service.app import create_app
    from service.config import Settings

    return create_app(Settings.from_env(learn_env, testing=True))


def _send(client, site, comments):
    body = json.dumps({"comments": comments}).encode()
    r = client.post(f"/api/v1/sites/{site['id']}/comments", data=body, headers=sign_headers(site["webhook_secret"], body))
    assert r.status_code == 202, r.get_data(as_text=True)
    return [c["id"] for c in r.json["comments"]]


def _api(client, site, method, path, **kw):
    return client.open(path, method=method, headers={"Authorization": f"Bearer {site['api_token']}"}, **kw)


def _db(env):
    from service.db.session import session_scope

    return session_scope(env["COLOMBE_DATABASE_URL"])


def _statuses(env, ids):
    from service.db.tables import Comment

    with _db(env) as s:
        return dict(s.execute(select(Comment.id, Comment.status).where(Comment.id.in_(ids))).all())


def _wait_scored(env, ids, timeout=120):
    wait_for(lambda: all(st != "received" for st in _statuses(env, ids).values()), timeout=timeout,
             message="comments scored")


def test_n_decisions_train_and_promote_a_site_model_on_the_training_queue(learn_env, learn_app, learn_worker):
    site = create_site_cli(learn_env, "Le blog sans brocoli")
    other = create_site_cli(learn_env, "Un autre blog")
    client = learn_app.test_client()
    rng = random.Random(5)
    rows = [(sentence(rng, i % 5 < 2), i % 5 < 2) for i in range(130)]
    ids = []
    for start in range(0, len(rows), 50):
        ids += _send(client, site, [{"id": f"d{start + k}", "text": t} for k, (t, _) in enumerate(rows[start:start + 50])])
    _wait_scored(learn_env, ids)
    # the other site's moderators think the opposite: it must not matter
    oids = _send(client, other, [{"id": f"o{k}", "text": sentence(rng, True)} for k in range(60)])
    _wait_scored(learn_env, oids)
    for cid in oids:
        assert _api(client, other, "POST", f"/api/v1/comments/{cid}/decision", json={"action": "approve"}).status_code == 200
    for cid, (_, topic) in zip(ids, rows):  # a decision on a comment in any status is a label
        body = {"action": "reject", "reason": "toxic"} if topic else {"action": "approve"}
        assert _api(client, site, "POST", f"/api/v1/comments/{cid}/decision", json=body).status_code == 200

    def live():
        r = _api(client, site, "GET", f"/api/v1/sites/{site['id']}/models").json
        return r if r["live_version"] else None

    listing = wait_for(live, timeout=240, interval=1, message="a promoted site model")
    version = listing["live_version"]
    assert version.endswith(f"+{site['id']}.v1")
    v = listing["versions"][0]
    assert v["status"] == "live" and v["train_decisions"] + v["eval_decisions"] == 130
    tox = v["evaluation"]["labels"]["toxicity"]
    assert tox["candidate_auc"] > tox["live_auc"] + 0.15, tox
    assert [e["action"] for e in listing["events"]][:2] == ["promote", "train"]
    assert listing["events"][0]["actor"] == "auto"

    new = _send(client, site, [{"id": "n1", "text": sentence(rng, True)}, {"id": "n2", "text": sentence(rng, False)}])
    _wait_scored(learn_env, new)
    topic, neutral = (_api(client, site, "GET", f"/api/v1/comments/{cid}").json for cid in new)
    assert topic["model_version"] == version == neutral["model_version"]
    assert topic["scores"]["toxicity"] > 0.5 > neutral["scores"]["toxicity"]
    elsewhere = _send(client, other, [{"id": "n3", "text": sentence(rng, True)}])
    _wait_scored(learn_env, elsewhere)
    assert "+" not in _api(client, other, "GET", f"/api/v1/comments/{elsewhere[0]}").json["model_version"]

    metrics = client.get("/metrics").get_data(as_text=True)
    promotions = [line for line in metrics.splitlines() if line.startswith("colombe_site_model_promotions_total{")
                  and f'site="{site["id"]}"' in line and 'action="promote"' in line]
    assert len(promotions) == 1 and promotions[0].endswith(" 1.0"), promotions
    assert any(line.startswith("colombe_site_model_auc{") and f'site="{site["id"]}"' in line
               and 'model="candidate"' in line and 'label="toxicity"' in line for line in metrics.splitlines())
    assert "colombe_site_model_training_seconds_count" in metrics


def test_promotion_rescoring_overlapping_incoming_comments_loses_and_doubles_nothing(learn_env, learn_app,
                                                                                      learn_worker):
    from service.db.tables import Comment, ModerationAction, Score

    site = create_site_cli(learn_env, "Le blog qui promeut")
    client = learn_app.test_client()
    rng = random.Random(9)
    from service.core.site_models import learning_row

    with _db(learn_env) as s:  # no automatic runs here: this test promotes by hand
        state = learning_row(s, site["id"], lock="update")
        state.promote_mode, state.every_n = "manual", 100_000
    rows = [(sentence(rng, i % 3 == 0), i % 3 == 0) for i in range(120)]
    ids = _send(client, site, [{"id": f"t{k}", "text": t} for k, (t, _) in enumerate(rows)])
    _wait_scored(learn_env, ids)
    for cid, (_, topic) in zip(ids, rows):
        body = {"action": "reject", "reason": "toxic"} if topic else {"action": "approve"}
        assert _api(client, site, "POST", f"/api/v1/comments/{cid}/decision", json=body).status_code == 200
    out = run_cli(["learn", "--site", site["id"], "--json", "--promote", "never", "--quiet"], learn_env, timeout=300)
    candidate = json.loads(out.stdout)["candidate_version"]
    assert candidate and not json.loads(out.stdout)["promoted"]
    # a pending queue of held comments (insults: the global model holds them)
    held = []
    for start in range(0, 300, 100):
        held += _send(client, site, [{"id": f"h{start + k}", "text": f"{rng.choice(INSULTS)} {rng.choice(TOPIC + NEUTRAL)} "
                                                                        f"({start + k})"} for k in range(100)])
    _wait_scored(learn_env, held)
    pending_before = [cid for cid, st in _statuses(learn_env, held).items() if st == "pending"]
    assert len(pending_before) > 200

    incoming: list[int] = []
    promoted_at = {}

    promoted = threading.Event()

    def stream():  # keeps sending until 100 comments have arrived after the promotion returned
        b = 0
        while b < 200 and not (promoted.is_set() and len(incoming) >= promoted_at["n"] + 100):
            incoming.extend(_send(learn_app.test_client(), site, [
                {"id": f"i{b}-{k}", "text": f"{rng.choice(INSULTS) if k % 2 else sentence(rng, k % 3 == 0)}"}
                for k in range(10)]))
            b += 1
            time.sleep(0.05)

    sender = threading.Thread(target=stream)
    sender.start()
    wait_for(lambda: len(incoming) >= 100, timeout=60, message="comments streaming")
    r = _api(client, site, "POST", f"/api/v1/sites/{site['id']}/models/{candidate}/promote",
             json={"reason": "overlap test"})
    promoted_at["n"] = len(incoming)
    promoted.set()
    assert r.status_code == 200, r.get_data(as_text=True)
    sender.join()
    assert len(incoming) >= promoted_at["n"] + 100 and len(set(incoming)) == len(incoming)

    every = ids + held + incoming

    def settled():
        with _db(learn_env) as s:
            rows_ = s.execute(select(Comment.status, Comment.model_version).where(Comment.id.in_(every))).all()
        return all(st != "received" for st, _ in rows_) and \
            all(v == candidate for st, v in rows_ if st == "pending")

    wait_for(settled, timeout=180, interval=0.5, message="every pending comment rescored with the live version")
    with _db(learn_env) as s:
        n = s.scalar(select(func.count()).select_from(Comment).where(Comment.site_id == site["id"]))
        assert n == len(every)  # nothing lost, nothing stored twice
        # each comment was decided automatically at most once per version that scored it
        dup = s.execute(select(ModerationAction.comment_id, ModerationAction.model_version, func.count())
                        .where(ModerationAction.site_id == site["id"], ModerationAction.actor == "auto")
                        .group_by(ModerationAction.comment_id, ModerationAction.model_version)
                        .having(func.count() > 1)).all()
        assert dup == []
        # comments that arrived after the promotion were scored once, by the live version
        late = incoming[promoted_at["n"] + 20:]  # past the batches in flight at the promotion
        assert len(late) >= 80
        rows_ = s.execute(select(Score.comment_id, Score.model_version).where(Score.comment_id.in_(late))).all()
        assert sorted(c for c, _ in rows_) == sorted(late)
        assert {v for _, v in rows_} == {candidate}
        # the queue held before the promotion was rescored: a row per version, global then site
        versions = {}
        for cid, v in s.execute(select(Score.comment_id, Score.model_version).where(Score.comment_id.in_(held))):
            versions.setdefault(cid, set()).add(v)
        assert all(candidate in versions[cid] for cid in pending_before)


def test_colombe_learn_without_enough_decisions_exits_0_with_a_reason(learn_env):
    site = create_site_cli(learn_env, "Un blog tout neuf")
    out = run_cli(["learn", "--site", site["id"], "--json"], learn_env, timeout=120)
    result = json.loads(out.stdout)
    assert {"site_id", "candidate_version", "live_version", "train_decisions", "eval_decisions", "live_auc",
            "candidate_auc", "promoted", "reason"} <= set(result)
    assert result["site_id"] == site["id"] and result["promoted"] is False and result["candidate_version"] is None
    assert "not enough decisions" in result["reason"]
    assert "colombe learn: loading the model" in out.stderr  # progress from the first second
    unknown = run_cli(["learn", "--site", "s_000000000000"], learn_env, check=False)
    assert unknown.returncode == 2 and "no site with id" in unknown.stderr and "Traceback" not in unknown.stderr
