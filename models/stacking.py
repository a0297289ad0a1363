"""Learned combination of the model's stages, per label and per profile.

Each label's final logit is a logistic regression over named inputs:

- ``ng:<head>``: the n-gram head's logit;
- ``sem:<head>``: the semantic head's logit (``full`` profile only);
- ``sem2:<head>``: the second stage's head on both encoders' vectors (its stackers only);
- ``fr``: 1 for a French comment;
- ``sig:<name>``: a field signal (``signals.SIGNAL_NAMES``: links, author URL, ...);
- ``frame:<name>``: how the text frames its words (``framing.FRAME_NAMES``:
  negated, reported); toxic labels only, alone and times the toxicity logits;
- ``lex:<name>``: Colombe's lexicon counts (``lexicon.LEX_NAMES``: insult,
  obscene, targeted); toxic labels only;
- ``a*b``: the product of two inputs (e.g. ``sem:toxicity*fr``).

The stacker is fitted on out-of-fold predictions whose folds are whole
datasets (``train.py``): the base heads that score a row never saw its
dataset, so the learned weights say how much each stage is worth on data
like a new blog's, not on the training sets' own style.  An isotonic map
fitted on the validation split turns the stacked logit into a probability.
"""
from __future__ import annotations

import numpy as np

__all__ = ["input_matrix", "fit_stacker", "stack_inputs", "base_names", "SUBLABELS"]

# the kinds of toxicity: each is toxic first
SUBLABELS = ("severe_toxicity", "insult", "threat", "identity_attack", "obscene")


def base_names(names: list[str]) -> set[str]:
    """The base inputs a list of (possibly product) inputs needs."""
    out: set[str] = set()
    for n in names:
        out.update(n.split("*"))
    return out


def input_matrix(names: list[str], base: dict[str, np.ndarray], n: int) -> np.ndarray:
    """(n, len(names)) float64 from the base columns (missing base = 0)."""
    F = np.zeros((n, len(names)), dtype=np.float64)
    zero = np.zeros(n)
    for j, name in enumerate(names):
        col = np.ones(n)
        for part in name.split("*"):
            col = col * base.get(part, zero)
        F[:, j] = col
    return F


def stack_inputs(label: str, profile: str, signals: tuple[str, ...], ngram_extra: tuple[str, ...] = (),
                 frames: tuple[str, ...] = (), lex: tuple[str, ...] = (), second: bool = False,
                 drop: tuple[str, ...] = ()) -> list[str]:
    """The inputs of one label's stacker.  ``ngram_extra``: other n-gram
    columns that also score this label (e.g. the French toxicity head).

    A kind of toxicity (insult, threat, ...) also reads the toxicity heads:
    its own labels come from 2-4 datasets, and on a dataset held out the
    toxicity head ranks its insults better than the insult head does
    (out-of-fold n-gram AUC 0.79 against 0.67 for insult).

    ``frames``: the framing cues a toxic label also reads, alone and times
    the toxicity logits ("I don't hate them" keeps the words of hate).

    ``second``: the second stage's stacker (``cascade.py``), which also reads
    ``sem2:<head>``, the heads on both encoders' vectors.

    ``drop``: inputs left out, with every product that uses them (training
    parameter ``stack_drop``, per label)."""
    names = [f"ng:{label}"] + [f"ng:{c}" for c in ngram_extra]
    if profile == "full":
        names.append(f"sem:{label}")
        if second:
            names.append(f"sem2:{label}")
    if label in SUBLABELS:
        names.append("ng:toxicity")
        if profile == "full":
            names.append("sem:toxicity")
            if second:
                names.append("sem2:toxicity")
    names += [f"{x}*fr" for x in list(names)] + ["fr"]
    if label == "toxicity" or label in SUBLABELS:
        tox = ["ng:toxicity"] + (["sem:toxicity"] if profile == "full" else []) + (["sem2:toxicity"] if second else [])
        for f in frames:
            names += [f"frame:{f}"] + [f"frame:{f}*{t}" for t in tox]
        # a word list means the same on every blog, and in both languages: one weight each;
        # a listed word quoted or negated ("calling them vermin is racist") may weigh less
        names += [f"lex:{x}" for x in lex]
        names += [f"lex:{x}*frame:{f}" for x in lex for f in frames]
    if label == "spam":
        names += [f"sig:{s}" for s in signals]
        # a link or an author URL says more when the words look like an advert
        names += [f"ng:spam*sig:{s}" for s in ("foreign_link", "author_url_foreign")]
        if profile == "full":
            names += [f"sem:spam*sig:{s}" for s in ("foreign_link", "author_url_foreign")]
    drop = set(drop)
    return [n for n in names if not drop.intersection(n.split("*"))]


def _monotone(name: str) -> bool:
    """Inputs whose weight may not be negative: a stage's logit (alone or times
    the language or a signal) can only push the label its own way."""
    return name.split("*")[0].startswith(("ng:", "sem:", "sem2:"))


def fit_stacker(F: np.ndarray, y: np.ndarray, w: np.ndarray, C: float = 1.0, seed: int = 13,
                names: list[str] | None = None):
    """(coef, intercept) of an L2 logistic regression on standardized inputs,
    returned in the raw input scale.  With ``names``, the weights of the
    stages' logits are bounded at 0 (a stage whose held-out scores run against
    a label is dropped rather than inverted)."""
    from scipy.optimize import minimize
    del seed
    mu = F.mean(axis=0)
    sd = F.std(axis=0)
    sd[sd < 1e-9] = 1.0
    Z = (F - mu) / sd
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    t = 2.0 * y - 1.0
    k = Z.shape[1]

    def loss(theta):
        z = Z @ theta[:k] + theta[k]
        m = -t * z
        lse = np.logaddexp(0.0, m)
        sig = np.exp(m - lse)                   # sigmoid(m)
        g = -(w * t * sig)
        val = C * float(w @ lse) + 0.5 * float(theta[:k] @ theta[:k])
        grad = np.empty(k + 1)
        grad[:k] = C * (Z.T @ g) + theta[:k]
        grad[k] = C * g.sum()
        return val, grad

    bounds = [((0.0, None) if names and _monotone(n) else (None, None)) for n in (names or [""] * k)] + [(None, None)]
    res = minimize(loss, np.zeros(k + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
    theta = res.x
    coef = theta[:k] / sd
    intercept = float(theta[k] - (coef * mu).sum())
    return coef.astype(np.float64), intercept
