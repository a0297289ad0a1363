"""The ``full`` profile's second stage: e5 beside USE-m3, where the first stage is unsure.

Every comment is scored by the first stage (n-grams, USE-m3 heads, signals,
stackers).  multilingual-e5-small (``encoder.E5Encoder``) costs 15-60 ms a
comment, too much for every comment at 100 comments/s on two cores, and most
comments are settled far from any hold point.  So e5 reads only the comments
whose toxic scores fall in a *band* around a hold point; for those, the toxic
labels are scored again by semantic heads on both encoders' vectors
(``sem2``: one hidden layer each since colombe-2026.12.01-7, ``mlp.py``) and a
second stacker per label (``deep/<label>`` in the artifact), fitted on the same
out-of-fold rows as the first.  The toxic score of such a comment is ``mix``
times the second stage's plus the rest of the first's (``cascade_mix``: 1 since
the hidden layer; linear heads on e5 read sentences about a group as hostile,
and weighed 0.5-0.65).
Since colombe-2026.12.01-9 the toxicity band is open above (``cascade_open_above``):
every comment the first stage would hold for toxicity is read again, because its
false holds (negated hate, counter-speech, hopeful sentences about a war) are what
the second stage corrects best (decision note, fifteenth pass).
Short comments (at most ``cascade_short_chars`` characters) go to the second
stage wherever they score: e5 reads them in 13-22 ms, and they give the
n-grams the least to read.

The bands are fitted at training time on the validation split (the
reference comments): per toxic label, the scores around its hold point
(recall-90 for toxicity, precision-90 for the kinds), the same share of rank
on each side, widened together until their union holds ``cascade_share`` of
the reference comments.  The hold points the card and the policy use are then
computed on the cascade's output.  ``docs/decisions/2026-11-30-model-v2.md``
(eleventh pass) measures it.
"""
from __future__ import annotations

import numpy as np

from .calibration import thresholds_for
from .names import TEXT_HEADS
from .stacking import SUBLABELS

__all__ = ["TOXIC", "hold_point", "fit_bands", "in_band", "short_rows", "e5_seconds", "bands_for_run"]

# the labels the second stage scores again
TOXIC = ("toxicity",) + SUBLABELS
TOXIC_COLS = [TEXT_HEADS.index(lab) for lab in TOXIC]


def hold_point(label: str, y, s) -> float:
    """The default policy's hold point of ``label`` on scores ``s`` (``service/core/policy.py``)."""
    t = thresholds_for(y, s)
    return float(t["recall_90" if label in ("toxicity", "spam") else "precision_90"])


def _band(ref: np.ndarray, h: float, w: float) -> tuple[float, float]:
    r = float(np.mean(ref < h))
    lo = float(np.quantile(ref, max(0.0, r - w))) if r - w > 0 else -np.inf
    hi = float(np.quantile(ref, min(1.0, r + w))) if r + w < 1 else np.inf
    return lo, hi


def in_band(S: np.ndarray, bands: dict[str, tuple[float, float]]) -> np.ndarray:
    """Rows of ``S`` (n, len(TEXT_HEADS)) calibrated scores with any toxic label in its band."""
    m = np.zeros(len(S), dtype=bool)
    for lab, (lo, hi) in bands.items():
        s = S[:, TEXT_HEADS.index(lab)]
        m |= (s >= lo) & (s <= hi)
    return m


def short_rows(texts, chars: int) -> np.ndarray:
    """Rows whose raw text has at most ``chars`` characters: e5 reads them wherever their scores
    fall (``cascade_short_chars``; 0: none).  A short comment costs e5 little (``e5_seconds``)
    and gives the n-grams little to read."""
    if not chars:
        return np.zeros(len(texts), dtype=bool)
    return np.array([len(t or "") <= chars for t in texts], dtype=bool)


def fit_bands(S_ref: np.ndarray, holds: dict[str, float], share: float, iters: int = 40,
              open_above: tuple[str, ...] = ()):
    """Bands around ``holds`` whose union covers about ``share`` of the reference rows.

    Returns ``(bands, achieved share)``.  The widths are a share of rank on each side of each
    hold point, the same for every label, found by bisection.  The labels in ``open_above`` then
    have their band opened upwards (every comment the first stage would hold for them is read
    again: its false holds are what the second stage corrects best); the achieved share counts
    that too, so it may exceed ``share``."""
    ref = {lab: S_ref[:, TEXT_HEADS.index(lab)] for lab in holds}
    lo_w, hi_w = 0.0, 1.0
    best = ({lab: _band(ref[lab], h, 0.0) for lab, h in holds.items()}, 0.0)
    for _ in range(iters):
        w = (lo_w + hi_w) / 2
        bands = {lab: _band(ref[lab], h, w) for lab, h in holds.items()}
        got = float(in_band(S_ref, bands).mean())
        if got <= share:
            lo_w, best = w, (bands, got)
        else:
            hi_w = w
    bands = {lab: ((lo, np.inf) if lab in open_above else (lo, hi)) for lab, (lo, hi) in best[0].items()}
    return bands, float(in_band(S_ref, bands).mean())


# e5's cost on one core of this project's machine (2026-12-01: 13 ms for 20 characters, 118 ms
# for 400, about 80 ms for the 256 it reads since colombe-2026.12.01-5): a fixed part and a part
# per character read; a caller with a deadline uses it to decide what e5 may read
E5_SECONDS_BASE = 0.005
E5_SECONDS_PER_CHAR = 0.00028


def e5_seconds(text: str) -> float:
    """Estimated seconds e5 takes to read ``text`` (a raw comment; e5 reads at most
    ``E5_MAX_CHARS`` characters of it, and never more than 2 per character of the raw text)."""
    from .encoder import E5_MAX_CHARS
    return E5_SECONDS_BASE + E5_SECONDS_PER_CHAR * min(len(text or ""), E5_MAX_CHARS)


def bands_for_run(run, final: dict):
    """``fit_bands`` for a training run: the first stage's toxic scores on the validation split
    (``final``: its base columns), around each label's hold point (a label whose hold point is
    1.0 never holds a comment and gets no band).  Returns ``(bands, achieved share)``."""
    from .calibration import apply_calibration
    from .stacking import input_matrix
    valid = np.array([i for i, r in enumerate(run.recs) if r.split == "valid" and r.info.trainable])
    S = np.zeros((len(valid), len(TEXT_HEADS)))
    for lab in TOXIC:
        s = run.stack[("full", lab)]
        z = input_matrix(s["inputs"], {k: v[valid] for k, v in final.items()}, len(valid)) @ s["coef"]
        S[:, TEXT_HEADS.index(lab)] = apply_calibration(z + s["intercept"], s["kx"], s["ky"])
    holds = {}
    for lab in TOXIC:
        m = np.array([k for k, i in enumerate(valid) if lab in run.recs[i].heads], dtype=np.int64)
        y = np.array([run.recs[valid[k]].heads[lab] for k in m])
        if 0 < y.sum() < len(y):
            h = hold_point(lab, y, S[m, TEXT_HEADS.index(lab)])
            if h < 0.999:
                holds[lab] = h
    opened = tuple(run.p.get("cascade_open_above") or ())
    return fit_bands(S, holds, float(run.p["cascade_share"]), open_above=opened)
