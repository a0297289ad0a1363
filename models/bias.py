"""Unintended-bias metrics of Borkan et al. (2019, the Jigsaw Unintended Bias
challenge), per identity subgroup:

- subgroup AUC: toxic vs clean comments that mention the group;
- BPSN (background positive, subgroup negative): toxic comments that do not
  mention the group vs clean ones that do -- low when the model holds
  innocent mentions of the group;
- BNSP (background negative, subgroup positive): clean comments without the
  group vs toxic ones with it -- low when attacks on the group slip through.

Subgroups come from the datasets' own annotations: HateXplain's ``target``
and MLMA's ``group`` (``Record.extra["identity"]``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["bias_metrics"]


def _auc(y, s):
    from sklearn.metrics import roc_auc_score
    return round(float(roc_auc_score(y, s)), 4) if 0 < y.sum() < len(y) else None


def bias_metrics(groups: list[list[str]], y: np.ndarray, s: np.ndarray, min_each: int = 10) -> dict:
    """``groups[i]``: the identity groups row i mentions; returns
    ``{group: {"n", "subgroup_auc", "bpsn_auc", "bnsp_auc"}}`` for groups with
    at least ``min_each`` toxic and clean rows, plus their means."""
    y = np.asarray(y).astype(int)
    s = np.asarray(s, dtype=np.float64)
    names = sorted({g for gs in groups for g in gs})
    out: dict = {}
    for g in names:
        m = np.array([g in gs for gs in groups])
        if (y[m] == 1).sum() < min_each or (y[m] == 0).sum() < min_each:
            continue
        bpsn = (~m & (y == 1)) | (m & (y == 0))
        bnsp = (~m & (y == 0)) | (m & (y == 1))
        out[g] = {"n": int(m.sum()), "subgroup_auc": _auc(y[m], s[m]), "bpsn_auc": _auc(y[bpsn], s[bpsn]),
                  "bnsp_auc": _auc(y[bnsp], s[bnsp])}
    if out:
        groups_only = list(out.values())
        mean = {}
        for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc"):
            vals = [v[k] for v in groups_only if v[k] is not None]
            mean[k] = round(float(np.mean(vals)), 4) if vals else None
        out["_mean"] = mean
    return out
