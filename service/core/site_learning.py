"""One training run of a site model: labels -> candidate -> shadow test -> promotion.

1. The site's labels (`site_labels.collect_labels`), oldest judgement first.
2. Time split: the newest half is held out (and every decision the live site model has
   not seen when there are more of those; at most 60 %), in three forward-chained windows.
3. Each window is predicted by a twin trained on every label older than it
   (`models.site.train_site_model`); the pooled predictions are compared with the live
   model's (the live site model when it sits on the running global model, else the global
   model) on the same comments: ROC AUC per label, a paired bootstrap of the AUC
   difference, and how many of those decisions each would have gotten right at the site's
   thresholds.
4. The stored candidate is the same recipe fit on every label (the figures are those of
   its held-out twins). It is promoted when `--promote force`, or when `auto` and the site's
   mode is auto and `verdict` says it beats the live model; else it stays the candidate and
   scores new comments in shadow.
5. After a promotion the site's pending queue is rescored.

No Flask; Celery-free (`workers/tasks/site_learning.py` is the task around it).
"""
from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

from sqlalchemy import select

from .. import metrics
from ..db.session import session_scope
from ..db.site_model_tables import LIVE, PROMOTE_AUTO, SiteModelVersion
from ..db.tables import Site, utcnow
from .policy import decide, effective_policy
from .site_labels import SITE_LABELS, collect_labels, count_new_labels
from .site_models import add_candidate, event, learning_row, load_site_model, promote

log = logging.getLogger("colombe.site_learning")

PROMOTE_CHOICES = ("auto", "never", "force")
EVAL_SHARE = 0.5  # the newest half is held out (forward-chained windows): at least the 20 % the issue asks
MIN_EVAL_CLASS = 5  # held-out examples of each class a label needs to be judged
RUN_STALE = timedelta(minutes=30)  # a run that started longer ago is taken as dead
CHUNK = 500


class UnknownSite(LookupError):
    pass


def _features(model, items: list[dict], progress, stage: str) -> dict:
    """`model.site_features` by chunks (progress per chunk)."""
    import numpy as np
    import scipy.sparse as sp

    parts = []
    for start in range(0, len(items), CHUNK):
        parts.append(model.site_features(items[start:start + CHUNK]))
        if progress:
            progress(stage, min(start + CHUNK, len(items)), len(items))
    if not parts:
        return model.site_features([])
    return {"logits": np.vstack([p["logits"] for p in parts]), "dense": np.vstack([p["dense"] for p in parts]),
            "sparse": sp.vstack([p["sparse"] for p in parts], format="csr")}


def _rows(feats: dict, idx) -> dict:
    return {"logits": feats["logits"][idx], "dense": feats["dense"][idx], "sparse": feats["sparse"][idx]}


def _targets(labels, idx=None) -> dict:
    import numpy as np

    rows = labels if idx is None else [labels[i] for i in idx]
    return {lab: np.array([r.targets[lab] for r in rows], dtype=np.int8) for lab in SITE_LABELS}


def split_point(n: int, unseen_by_live: int) -> int:
    """Where the held-out newest labels start (oldest first): the newest EVAL_SHARE of them,
    or every label the live site model has not seen when there are more (at most 60 %)."""
    n_eval = max(math.ceil(EVAL_SHARE * n), min(unseen_by_live, (n * 3) // 5))
    return n - n_eval


def windows(cut: int, n: int) -> list[tuple[int, int]]:
    """The held-out range [cut, n) in forward-chained windows: each is predicted by a twin
    trained on every label before it (three windows when there are enough labels)."""
    k = 3 if n - cut >= 150 else 1
    edges = [cut + round(i * (n - cut) / k) for i in range(k + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _right_at_thresholds(scores, labels, policy) -> dict:
    """How many held-out decisions the scores would have gotten right with the site's policy:
    approve == approved, reject == rejected; a hold is neither right nor wrong."""
    from models.names import LABELS

    out = {"right": 0, "wrong": 0, "held": 0}
    for row, lab in zip(scores, labels):
        status, _ = decide(dict(zip(LABELS, (float(v) for v in row))), policy)
        if status == "pending":
            out["held"] += 1
        elif (status == "approved") == (lab.decision == "approve"):
            out["right"] += 1
        else:
            out["wrong"] += 1
    return out


def evaluate(candidate, live_scores, cand_scores, eval_labels, policy) -> dict:
    """Held-out figures, per label with a candidate head, and decisions right at thresholds."""
    import numpy as np

    from models.names import LABELS
    from models.site import bootstrap_auc_diff, roc_auc

    figures: dict = {"labels": {}, "n": len(eval_labels)}
    for label in SITE_LABELS:
        y = np.array([lab.targets[label] for lab in eval_labels])
        rows = np.where(y >= 0)[0]
        yy = y[rows] == 1
        j = LABELS.index(label)
        fig = {"positives": int(yy.sum()), "negatives": int(len(yy) - yy.sum()), "head": label in candidate.labels,
               "live_auc": None, "candidate_auc": None}
        if len(rows):
            la, ca = roc_auc(yy, live_scores[rows, j]), roc_auc(yy, cand_scores[rows, j])
            fig["live_auc"] = None if la is None else round(la, 4)
            fig["candidate_auc"] = None if ca is None else round(ca, 4)
            if fig["head"] and min(fig["positives"], fig["negatives"]) >= MIN_EVAL_CLASS:
                fig["bootstrap"] = bootstrap_auc_diff(yy, cand_scores[rows, j], live_scores[rows, j])
        figures["labels"][label] = fig
    figures["decisions"] = {"live": _right_at_thresholds(live_scores, eval_labels, policy),
                            "candidate": _right_at_thresholds(cand_scores, eval_labels, policy)}
    return figures


def verdict(figures: dict, margin: float) -> tuple[bool, str]:
    """Promote when, on the held-out decisions, no judged label loses more than `margin`
    AUC and at least one gains at least `margin` with its 90 % bootstrap interval above 0
    (docs/decisions/2026-11-30-site-model-promotion.md)."""
    judged = {lab: f for lab, f in figures["labels"].items() if f.get("bootstrap")}
    if not judged:
        return False, ("the held-out decisions cannot judge the candidate (fewer than "
                       f"{MIN_EVAL_CLASS} examples of a class for every label with a head)")
    worse = [f"{lab} {f['bootstrap']['delta']:+.3f}" for lab, f in judged.items() if f["bootstrap"]["delta"] < -margin]
    if worse:
        return False, "the candidate is worse than the live model on " + ", ".join(worse)
    better = [lab for lab, f in judged.items()
              if f["bootstrap"]["delta"] >= margin and f["bootstrap"]["lo90"] > 0]
    if not better:
        best = max(judged.items(), key=lambda kv: kv[1]["bootstrap"]["delta"])
        b = best[1]["bootstrap"]
        return False, (f"not clearly better: {best[0]} AUC {b['delta']:+.3f} (90 % interval {b['lo90']:+.3f} to "
                       f"{b['hi90']:+.3f}; promotion needs >= {margin:+.3f} with the interval above 0)")
    parts = [f"{lab} AUC {judged[lab]['bootstrap']['delta']:+.3f} (90 % interval {judged[lab]['bootstrap']['lo90']:+.3f} "
             f"to {judged[lab]['bootstrap']['hi90']:+.3f})" for lab in better]
    return True, "better than the live model on the held-out decisions: " + "; ".join(parts)


def _result(site_id, **kw) -> dict:
    out = {"site_id": site_id, "candidate_version": None, "live_version": None, "train_decisions": 0,
           "eval_decisions": 0, "live_auc": None, "candidate_auc": None, "promoted": False, "reason": ""}
    out.update(kw)
    return out


def learn_site(settings, site_id: str, promote_mode: str = "auto", actor: str = "auto", progress=None,
               model=None, rescore: bool = True) -> dict:
    """Train, shadow-test and (per `promote_mode`: auto | never | force) promote a site model.
    Returns the `colombe learn --json` object. Raises `UnknownSite`."""
    if promote_mode not in PROMOTE_CHOICES:
        raise ValueError(f"promote must be one of {', '.join(PROMOTE_CHOICES)}")
    from .jobs import settings_model

    started = time.perf_counter()
    model = model or settings_model(settings)
    if progress:
        progress("labels", 0, 0)
    with session_scope(settings.database_url) as s:
        site = s.get(Site, site_id)
        if site is None:
            raise UnknownSite(f"no site with id {site_id!r}")
        state = learning_row(s, site_id, lock="update")
        now = utcnow()
        if state.running_since is not None and now - state.running_since < RUN_STALE:
            return _result(site_id, live_version=state.live_version,
                           reason="a training run for this site is already in progress")
        state.running_since = now
        site_mode = state.promote_mode
    try:
        result = _run(settings, site_id, model, promote_mode, site_mode, actor, progress)
    except Exception as exc:
        _finish(settings, site_id, {"error": f"{exc.__class__.__name__}: {str(exc)[:300]}"}, counted=None)
        raise
    seconds = time.perf_counter() - started
    result["seconds"] = round(seconds, 3)
    metrics.site_model_training(seconds)
    _finish(settings, site_id, result, counted=result.pop("_labels_counted", None))
    if result["promoted"] and rescore:
        from .site_rescoring import rescore_pending

        if progress:
            progress("rescoring the pending queue", 0, 0)
        result["rescored"] = rescore_pending(settings, site_id, model)
    log.info("site model run", extra={k: result.get(k) for k in ("site_id", "candidate_version", "live_version",
                                                                   "promoted", "reason", "seconds")})
    return result


def _finish(settings, site_id: str, result: dict, counted: int | None) -> None:
    with session_scope(settings.database_url) as s:
        state = learning_row(s, site_id, lock="update")
        state.running_since = None
        state.last_run_at = utcnow()
        state.last_result = {k: v for k, v in result.items() if not k.startswith("_")}
        if counted is not None:
            state.labels_at_last_run = counted
        state.updated_at = utcnow()


def _run(settings, site_id, model, promote_mode, site_mode, actor, progress) -> dict:
    import numpy as np

    from models.names import LABELS
    from models.site import SiteModel, SiteParams, hyper_of, train_site_model

    with session_scope(settings.database_url) as s:
        cutoff = utcnow()
        counted = count_new_labels(s, site_id, None, cutoff)
        labels = collect_labels(s, site_id, settings.score_prefix_chars)
        live_row = s.scalar(select(SiteModelVersion).where(SiteModelVersion.site_id == site_id,
                                                           SiteModelVersion.status == LIVE))
        live_model = None
        live_version = model.version
        if live_row is not None and live_row.global_version == model.version:
            live_model = load_site_model(s, live_row.version)
            live_version = live_row.version
        live_until = live_row.trained_until if live_model is not None else None
        site = s.get(Site, site_id)
        policy = effective_policy(model.labels, model.thresholds, site.policy)
    base = _result(site_id, live_version=live_version, _labels_counted=counted)
    n = len(labels)
    if n < settings.site_min_decisions:
        base["reason"] = (f"not enough decisions yet: {n} usable label(s), a site model needs "
                          f"{settings.site_min_decisions}")
        return base
    unseen = sum(1 for lab in labels if live_until is None or lab.decided_at > live_until)
    cut = split_point(n, unseen if live_model is not None else 0)
    params = SiteParams()
    tr_targets = _targets(labels, np.arange(cut))
    if not any(min(int((t == 1).sum()), int((t == 0).sum())) >= params.min_class for t in tr_targets.values()):
        base["reason"] = (f"not enough examples of each class: every label needs {params.min_class} positive "
                          f"and {params.min_class} negative decisions among the {cut} older ones")
        return base
    items = [lab.item for lab in labels]
    feats = _features(model, items, progress, "features")
    eval_idx = np.arange(cut, n)
    eval_items = [items[i] for i in eval_idx]
    if progress:
        progress("shadow test", 0, 0)
    global_scores = np.array([[o["scores"][lab] for lab in LABELS] for o in model.score_batch(eval_items)])
    ev_feats = _rows(feats, eval_idx)
    live_scores = live_model.apply(global_scores, ev_feats) if live_model is not None else global_scores
    cand_scores = np.array(global_scores, copy=True)
    twin_seconds, twin_heads, hyper = 0.0, None, None
    for a, b in windows(cut, n):  # each window predicted by a twin trained on everything older
        if progress:
            progress(f"held-out twin for decisions {a + 1}-{b} of {n}", 0, 0)
        # the first twin (the labels before every window) chooses the hyperparameters and the other
        # twins reuse them: the figures stay out-of-sample, and the run stays fast
        twin = train_site_model(_rows(feats, np.arange(a)), _targets(labels, np.arange(a)), model.version, params,
                                hyper=hyper)
        hyper = hyper if hyper is not None else hyper_of(twin)
        rows = np.arange(a - cut, b - cut)
        cand_scores[rows] = twin.apply(global_scores[rows], _rows(ev_feats, rows))
        twin_seconds += float(twin.meta["train_seconds"])
        twin_heads = twin  # the last (largest) twin: which labels have a head
    figures = evaluate(twin_heads, live_scores, cand_scores, [labels[i] for i in eval_idx], policy)
    figures["live_version"] = live_version
    figures["windows"] = [[int(a), int(b)] for a, b in windows(cut, n)]
    if progress:
        progress("training the candidate on every decision", 0, 0)
    # the final model chooses its own hyperparameters on every label (more data than the first twin had)
    final = train_site_model(feats, _targets(labels), model.version, params,
                             extra_meta={"held_out_twin": twin_heads.meta["heads"]})
    blob = final.to_bytes()
    promote_it, why = verdict(figures, settings.site_promotion_margin)
    tox = figures["labels"]["toxicity"]
    with session_scope(settings.database_url) as s:
        row = add_candidate(s, site_id, global_version=model.version, blob=blob, sha256=SiteModel.digest(blob),
                            labels=list(final.labels), evaluation=figures, meta=final.meta,
                            train_decisions=cut, eval_decisions=n - cut, trained_until=labels[-1].decided_at,
                            train_seconds=float(final.meta["train_seconds"]) + twin_seconds,
                            actor=actor)
        event(s, site_id, "train", actor, version=row.version, reason=why,
              details={"train_decisions": cut, "eval_decisions": n - cut, "labels": list(final.labels)})
        promoted = False
        if promote_mode == "force":
            promoted, why = True, "forced (--promote force)" + ("" if promote_it else f"; the shadow test said: {why}")
        elif promote_mode == "never":
            why = "not promoted (--promote never); " + why
        elif site_mode != PROMOTE_AUTO:
            why = "kept as the candidate: this site promotes by hand; " + why
        elif promote_it:
            promoted = True
        if promoted:
            promote(s, site_id, row.version, actor, reason=why, details={"evaluation": _brief(figures)})
        else:
            event(s, site_id, "keep", actor, version=row.version, reason=why)
        version = row.version
    return {**base, "candidate_version": version, "live_version": version if promoted else live_version,
            "train_decisions": cut, "eval_decisions": n - cut, "live_auc": tox["live_auc"],
            "candidate_auc": tox["candidate_auc"], "promoted": promoted, "reason": why,
            "labels": list(final.labels), "evaluation": figures}


def _brief(figures: dict) -> dict:
    return {lab: {"live_auc": f["live_auc"], "candidate_auc": f["candidate_auc"]}
            for lab, f in figures["labels"].items()}
