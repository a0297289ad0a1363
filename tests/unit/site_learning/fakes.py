"""A keyword model with `site_features` (unit tests of per-site learning only; the
integration tests use the real model)."""
from __future__ import annotations

import zlib

import numpy as np
import scipy.sparse as sp

from tests.fakes import LABELS, FakeModel

N_FEATURES = 2 ** 12


def _tokens(text: str) -> list[str]:
    return [t for t in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split() if t]


class SiteFakeModel(FakeModel):
    """FakeModel's scores, plus logits = logit(score) and hashed word features."""

    def site_features(self, items):
        n = len(items)
        scores = np.array([[o["scores"][lab] for lab in LABELS] for o in FakeModel.score_batch(self, items)]) \
            if n else np.zeros((0, len(LABELS)))
        logits = np.log(scores / (1 - scores)).astype(np.float32)
        rows, cols = [], []
        for i, it in enumerate(items):
            for tok in _tokens(it.get("text") or ""):
                rows.append(i)
                cols.append(zlib.crc32(tok.encode()) % N_FEATURES)
        X = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, N_FEATURES))
        return {"logits": logits.reshape(n, len(LABELS)), "dense": np.zeros((n, 0), np.float32), "sparse": X}


class OtherGlobal(SiteFakeModel):
    version = "fake-2"


NEUTRAL = ["merci pour ce billet", "très bon article sur le jardin", "je partage votre avis", "belle recette",
           "j'ai testé la méthode hier", "quel beau voyage", "bonne question", "article clair et utile",
           "le vélo en ville", "la photo du lac", "une lecture agréable", "je reviendrai"]
# this site's line: comments about "brocoli" are off limits (the global keyword model does not know it)
SITE_TOXIC = ["le brocoli c'est pour les nuls", "encore du brocoli", "brocoli brocoli", "vive le brocoli vapeur",
              "mon avis sur le brocoli", "brocoli et jardin", "un brocoli dans la soupe", "le brocoli du lac"]


def site_rows(n: int, seed: int = 1, toxic_share: float = 0.4) -> list[tuple[str, bool]]:
    """(text, toxic) rows: neutral sentences, and this site's forbidden topic."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        toxic = bool(rng.random() < toxic_share)
        pool = SITE_TOXIC if toxic else NEUTRAL
        out.append((f"{pool[int(rng.integers(len(pool)))]} {i}", toxic))
    return out
