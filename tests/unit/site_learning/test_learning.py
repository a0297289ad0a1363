"""A site's training run, its model at scoring time, promotion, rollback (embedded, SQLite, fake model)."""
from __future__ import annotations

import pytest


def _learn(env, site=None, **kw):
    from service.core.site_learning import learn_site

    return learn_site(env["settings"], (site or env["a"])["id"], model=env["model"], **kw)


def _comment(env, cid, site=None):
    return env["api"]("GET", f"/api/v1/comments/{cid}", site=site).json


def test_not_enough_decisions_is_a_reason_not_an_error(env):
    env["decide"](env["rows"](10))
    r = _learn(env)
    assert r["promoted"] is False and r["candidate_version"] is None
    assert "not enough decisions" in r["reason"] and r["site_id"] == env["a"]["id"]
    for key in ("live_version", "train_decisions", "eval_decisions", "live_auc", "candidate_auc"):
        assert key in r


def test_a_better_candidate_is_promoted_and_scores_carry_its_version(env):
    env["decide"](env["rows"](200, seed=3))
    pending = env["add"](["la recette du brocoli, idiot", "un joli jardin"])  # the first waits in the queue
    r = _learn(env)
    assert r["promoted"] is True, r["reason"]
    assert r["candidate_auc"] > r["live_auc"] + 0.3 and r["eval_decisions"] >= 40
    version = r["candidate_version"]
    assert version == f"fake-1+{env['a']['id']}.v1" and r["live_version"] == version
    # new comments of site A: site scores, and the version that produced them
    new = env["add"](["encore ce brocoli", "merci pour la photo"])
    bro, thanks = _comment(env, new[0]), _comment(env, new[1])
    assert bro["model_version"] == version and bro["scores"]["toxicity"] > 0.5
    assert thanks["scores"]["toxicity"] < 0.5 and thanks["scores"]["insult"] == 0.01  # labels without a head: global
    # the pending queue was rescored with the new model (and the policy applied again)
    assert r["rescored"] >= 1
    assert _comment(env, pending[0])["model_version"] == version
    # site B is untouched: global scores, global version
    other = env["add"](["encore ce brocoli"], site=env["b"])
    assert _comment(env, other[0], site=env["b"])["model_version"] == "fake-1"


def test_another_sites_contrary_decisions_do_not_change_a_sites_model(env):
    env["decide"](env["rows"](160, seed=4))
    env["decide"]([(t, not tox) for t, tox in env["rows"](300, seed=5)], site=env["b"])  # B thinks the opposite
    r = _learn(env)
    assert r["promoted"] and r["train_decisions"] + r["eval_decisions"] == 160
    assert r["candidate_auc"] > 0.95


def test_promote_never_force_and_manual_mode(env):
    from service.core.site_models import learning_row
    from service.db.session import session_scope

    env["decide"](env["rows"](150, seed=6))
    r = _learn(env, promote_mode="never")
    assert not r["promoted"] and "--promote never" in r["reason"]
    with session_scope(env["settings"].database_url) as s:
        learning_row(s, env["a"]["id"]).promote_mode = "manual"
    r2 = _learn(env)
    assert not r2["promoted"] and "by hand" in r2["reason"]
    listing = env["api"]("GET", f"/api/v1/sites/{env['a']['id']}/models").json
    statuses = {v["version"]: v["status"] for v in listing["versions"]}
    assert statuses == {r["candidate_version"]: "retired", r2["candidate_version"]: "candidate"}
    r3 = _learn(env, promote_mode="force")
    assert r3["promoted"] and r3["reason"].startswith("forced")


def test_candidate_scores_in_shadow_without_acting(env):
    env["decide"](env["rows"](150, seed=7))
    r = _learn(env, promote_mode="never")
    ids = env["add"](["du brocoli partout"])
    c = _comment(env, ids[0])
    assert c["model_version"] == "fake-1"  # the live (global) model decided
    from sqlalchemy import select

    from service.db.session import session_scope
    from service.db.tables import Score

    with session_scope(env["settings"].database_url) as s:
        rows = dict(s.execute(select(Score.model_version, Score.scores).where(Score.comment_id == ids[0])).all())
    assert set(rows) == {"fake-1", r["candidate_version"]}
    assert rows[r["candidate_version"]]["toxicity"] > 0.5 > rows["fake-1"]["toxicity"]
    # judged on the decisions made since: the moderator rejects it, the candidate was right
    from service.core.status_changes import moderate
    from service.db.tables import Comment

    more = env["add"](["un brocoli de plus", "merci pour le jardin", "brocoli encore", "joli lac"])
    with session_scope(env["settings"].database_url) as s:
        for cid in ids + more:
            c = s.get(Comment, cid)
            moderate(s, c, "reject" if "brocoli" in c.text else "approve", "user:mod",
                     reason="toxic" if "brocoli" in c.text else None)
    shadow = env["api"]("GET", f"/api/v1/sites/{env['a']['id']}/models").json["shadow"]
    assert shadow["scored"] == 5 and shadow["judged"] == 5 and shadow["positives"] == 3
    assert shadow["candidate_auc"] == 1.0 and shadow["live_auc"] == 0.5


def test_a_site_model_on_another_global_model_is_not_used(env):
    from service.core.scoring import score_comments
    from service.db.session import session_scope
    from tests.unit.site_learning.fakes import OtherGlobal

    env["decide"](env["rows"](150, seed=8))
    assert _learn(env)["promoted"]
    ids = env["add"](["brocoli"])  # scored by fake-1 + site model
    newer = OtherGlobal()
    from service.db.tables import Comment

    with session_scope(env["settings"].database_url) as s:
        c = Comment(site_id=env["a"]["id"], external_id="after-upgrade", text="encore du brocoli")
        s.add(c)
        s.flush()
        cid = c.id
    with session_scope(env["settings"].database_url) as s:
        score_comments(s, [cid], newer)
    assert _comment(env, cid)["model_version"] == "fake-2"  # fell back to the global model
    assert _comment(env, ids[0])["model_version"].startswith("fake-1+")


def test_api_promote_and_rollback_audited_and_rescored(env):
    site = env["a"]["id"]
    env["decide"](env["rows"](150, seed=9))
    v1 = _learn(env)["candidate_version"]
    env["decide"](env["rows"](60, seed=10))
    v2 = _learn(env, promote_mode="never")["candidate_version"]
    waiting = env["add"](["le brocoli est servi, idiot"])
    # another site's token does not see this site's models
    assert env["api"]("GET", f"/api/v1/sites/{site}/models", site=env["b"]).status_code == 404
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/{v2}/promote", site=env["b"]).status_code == 404
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/{v1}/promote").status_code == 409  # already live
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/nope/promote").status_code == 404
    bad = env["api"]("POST", f"/api/v1/sites/{site}/models/{v2}/promote", json=["not", "an", "object"])
    assert bad.status_code == 422 and bad.json["error"] == "invalid_fields"
    r = env["api"]("POST", f"/api/v1/sites/{site}/models/{v2}/promote", json={"reason": "looks better"})
    assert r.status_code == 200 and r.json["live_version"] == v2
    assert _comment(env, waiting[0])["model_version"] == v2  # rescored (inline: no background thread in tests)
    back = env["api"]("POST", f"/api/v1/sites/{site}/models/rollback")
    assert back.status_code == 200 and back.json == {"site_id": site, "rolled_back": v2, "live_version": v1,
                                                     "rescoring": "queued"}
    assert _comment(env, waiting[0])["model_version"] == v1
    # one more rollback: back to the global model alone; then nothing left to roll back
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/rollback").json["live_version"] is None
    assert _comment(env, waiting[0])["model_version"] == "fake-1"
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/rollback").status_code == 409
    listing = env["api"]("GET", f"/api/v1/sites/{site}/models").json
    assert listing["live_version"] is None
    versions = {v["version"]: v for v in listing["versions"]}
    assert versions[v1]["status"] == "retired" and versions[v2]["status"] == "retired"
    for v in versions.values():
        assert {"version", "status", "created_at", "train_decisions", "evaluation"} <= set(v)
        assert v["evaluation"]["labels"]["toxicity"]["candidate_auc"] is not None
    actions = [(e["action"], e["actor"]) for e in listing["events"]]
    assert ("promote", "api") in actions and actions.count(("rollback", "api")) == 2
    assert ("promote", "auto") in actions


def test_admin_token_may_act_on_any_site(env, sqlite_settings):
    site = env["a"]["id"]
    env["decide"](env["rows"](150, seed=11))
    _learn(env)
    assert env["api"]("POST", f"/api/v1/sites/{site}/models/rollback", token="not-the-admin").status_code == 401
    env["app"].extensions["colombe"]["settings"] = env["settings"].replace(admin_token="t" * 40)
    r = env["api"]("POST", f"/api/v1/sites/{site}/models/rollback", token="t" * 40)
    assert r.status_code == 200
    assert env["api"]("GET", "/api/v1/sites/s_unknown/models", token="t" * 40).status_code == 404
    listing = env["api"]("GET", f"/api/v1/sites/{site}/models").json
    assert listing["events"][0]["actor"] == "admin-token"


def test_the_check_starts_a_run_after_every_n_new_decisions(env):
    from service.core.site_jobs import check_sites

    settings = env["settings"].replace(site_learn_every=30)
    started = []
    env["decide"](env["rows"](20, seed=12))
    check = check_sites(settings, started.append, lambda s: None, "fake-1")
    assert check["due"] == [] and started == []
    env["decide"](env["rows"](15, seed=13))
    env["decide"](env["rows"](40, seed=14), site=env["b"])
    import time

    time.sleep(0.01)
    from service.core import site_labels

    orig = site_labels.check_window
    site_labels.check_window = lambda now=None, lag_s=5.0: orig(now, 0.0)
    try:
        import service.core.site_jobs as jobs

        jobs.check_window = site_labels.check_window
        check = check_sites(settings, started.append, lambda s: None, "fake-1")
        assert sorted(check["due"]) == sorted([env["a"]["id"], env["b"]["id"]])
        assert check_sites(settings, started.append, lambda s: None, "fake-1")["due"] == []  # counted once
        off = settings.replace(site_learning=False)
        env["decide"](env["rows"](40, seed=15))
        assert check_sites(off, started.append, lambda s: None, "fake-1")["due"] == []
    finally:
        site_labels.check_window = orig
        jobs.check_window = orig


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_settings_page_section_promote_rollback_with_csrf(env, lang):
    import re

    from service.moderation.auth import create_user
    from service.db.session import session_scope

    with session_scope(env["settings"].database_url) as s:
        create_user(s, "root", "a long passphrase", "admin", [])
    site = env["a"]["id"]
    env["decide"](env["rows"](150, seed=16))
    v1 = _learn(env, promote_mode="never")["candidate_version"]
    c = env["app"].test_client()
    page = c.get("/login")
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page.data).group(1).decode()
    c.post("/login", data={"username": "root", "password": "a long passphrase", "csrf_token": token})
    html = c.get(f"/admin/sites/{site}", headers={"Accept-Language": lang}).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # a new one after login
    assert 'id="site-model"' in html and v1 in html
    assert ("Modèle du site" in html) == (lang == "fr")
    assert c.post(f"/admin/sites/{site}/model", data={"what": "promote", "version": v1}).status_code == 400  # no CSRF
    r = c.post(f"/admin/sites/{site}/model", data={"what": "promote", "version": v1, "csrf_token": token})
    assert r.status_code == 303
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert f'data-live-version="{v1}"' in html and 'id="site-model-flash"' in html
    r = c.post(f"/admin/sites/{site}/model", data={"what": "rollback", "csrf_token": token})
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-live-version=""' in html
    r = c.post(f"/admin/sites/{site}/model", data={"what": "settings", "promote_mode": "manual", "every_n": "25",
                                                   "csrf_token": token})
    listing = env["api"]("GET", f"/api/v1/sites/{site}/models").json
    assert listing["promote_mode"] == "manual" and listing["every_n"] == 25
    events = [(e["action"], e["actor"]) for e in listing["events"]]
    assert ("promote", "user:root") in events and ("rollback", "user:root") in events


def test_embedded_mode_runs_due_training_in_its_own_thread(env):
    from service.core.site_jobs import InProcessSiteJobs
    from tests.conftest import wait_for

    settings = env["settings"].replace(site_learn_every=60, site_learn_check_s=1.0)
    env["decide"](env["rows"](150, seed=21))
    jobs = InProcessSiteJobs(settings, model_getter=lambda: env["model"]).start()
    try:
        listing = wait_for(lambda: (lambda r: r if r["live_version"] else None)(
            env["api"]("GET", f"/api/v1/sites/{env['a']['id']}/models").json), timeout=60, interval=0.5,
            message="the embedded thread's promoted site model")
    finally:
        jobs.close()
    assert listing["live_version"].endswith(".v1") and listing["events"][0]["actor"] == "auto"
    # site B had no decisions: nothing trained there
    assert env["api"]("GET", f"/api/v1/sites/{env['b']['id']}/models", site=env["b"]).json["versions"] == []
