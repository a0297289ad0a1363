"""Site models at scoring time: the live one replaces the global scores of its labels, the
candidate scores in shadow (stored under its own version, not acted on); and the rescoring
of a site's pending queue after a promotion or a rollback.

A site model is used only when it sits on the running global model (`global_version`):
after a global model change the site falls back to the global scores until it retrains.
Scores carry the version that produced them: `<global>+<site>.v<n>` with a site model,
the global version without.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..db.site_model_tables import SiteLearning

log = logging.getLogger("colombe.site_scoring")


@dataclass(slots=True)
class SiteModels:
    """The site models a batch uses: site id -> (version, models.site.SiteModel)."""

    live: dict
    shadow: dict


def models_for(session: Session, global_version: str, site_ids: set[str], lock: bool = True) -> SiteModels:
    """The live and candidate site models of these sites that sit on `global_version`.

    On PostgreSQL the sites' `site_learning` rows are held FOR KEY SHARE until the batch
    commits: a promotion (FOR UPDATE) waits for the batches that read the version it
    replaces, so its rescoring sees their comments.
    """
    from .site_models import load_site_model

    out = SiteModels({}, {})
    if not site_ids:
        return out
    q = select(SiteLearning.site_id, SiteLearning.live_version, SiteLearning.candidate_version).where(
        SiteLearning.site_id.in_(sorted(site_ids)),
        or_(SiteLearning.live_version.is_not(None), SiteLearning.candidate_version.is_not(None)))
    if lock and session.get_bind().dialect.name == "postgresql":
        # FOR KEY SHARE: blocks a promotion's FOR UPDATE, not the periodic check's plain UPDATEs
        q = q.with_for_update(read=True, key_share=True, of=SiteLearning)
    for site_id, live, candidate in session.execute(q):
        for version, into in ((live, out.live), (candidate, out.shadow)):
            if not version:
                continue
            try:
                sm = load_site_model(session, version)
            except Exception:  # a broken site model must not stop scoring: the global scores stay
                log.exception("site model unusable; global scores used", extra={"site_id": site_id,
                                                                                  "version": version})
                continue
            if sm is not None and sm.global_version == global_version:
                into[site_id] = (version, sm)
    return out


def score_with_sites(session: Session, model, site_ids: list[str], items: list[dict],
                     lock: bool = True) -> tuple[list[dict], list[str], list[dict]]:
    """The model's outputs for `items` (comments of `site_ids`), with the live site models'
    scores in place of the global ones for their labels. Returns (outputs, the version of
    each comment's scores, the shadow score rows `{"index", "version", "scores"}`).

    One forward pass when the model offers `score_batch_with_site_features` (its outputs and
    `site_features` together); else `score_batch`, then `site_features` of the comments
    whose site has a model."""
    models = models_for(session, model.version, set(site_ids), lock=lock)
    need = [i for i, s in enumerate(site_ids) if s in models.live or s in models.shadow]
    if not need:
        return model.score_batch(items), [model.version] * len(items), []
    one_pass = getattr(model, "score_batch_with_site_features", None)
    if one_pass is not None:
        outputs, feats = one_pass(items)
        if len(need) < len(items):
            feats = _rows(feats, need)
    else:
        outputs = model.score_batch(items)
        feats = model.site_features([items[i] for i in need])
    versions, shadow = _apply(models, model, site_ids, need, outputs, feats)
    return outputs, versions, shadow


def _rows(feats: dict, idx) -> dict:
    return {"logits": feats["logits"][idx], "dense": feats["dense"][idx], "sparse": feats["sparse"][idx]}


def _apply(models: SiteModels, model, site_ids: list[str], idx: list[int], outputs: list[dict],
           feats: dict) -> tuple[list[str], list[dict]]:
    """Put the live site models' scores into `outputs` (in place); `feats` are the site
    features of the comments `idx`."""
    import numpy as np

    from models.names import LABELS

    versions = [model.version] * len(outputs)
    base = np.array([[outputs[i]["scores"][lab] for lab in LABELS] for i in idx], dtype=np.float64)
    shadow = []
    by_site: dict[str, list[int]] = {}
    for k, i in enumerate(idx):
        by_site.setdefault(site_ids[i], []).append(k)
    for site_id, ks in by_site.items():
        rows = np.array(ks)
        sub = feats if len(ks) == len(idx) else _rows(feats, rows)
        sub_base = base[rows]
        empty = ~sub_base.any(axis=1)  # empty text: nothing to judge, zeros stay
        for which in ("live", "shadow"):
            hit = getattr(models, which).get(site_id)
            if hit is None:
                continue
            version, sm = hit
            new = sm.apply(sub_base, sub)
            new[empty] = 0.0
            for k, row in zip(ks, np.round(new, 6).tolist()):
                scores = dict(zip(LABELS, row))
                if which == "live":
                    outputs[idx[k]]["scores"] = scores
                    versions[idx[k]] = version
                else:
                    shadow.append({"index": idx[k], "version": version, "scores": scores})
    return versions, shadow
