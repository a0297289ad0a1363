"""Both profiles rank the sentences written for the tests the right way round for
every kind of toxicity the sentences show (``colombe-2026.11.30-1`` shipped a
``fast`` insult score that was the same for every comment of a language)."""
from __future__ import annotations

import pytest

from models.registry import load_model
from tests.models import functional_sentences as S
from tests.models import functional_sentences_harmful as H

CLEAN = S.NEUTRAL_IDENTITY + S.HOPEFUL


def _auc(pos, neg):
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@pytest.fixture(scope="module", params=["full", "fast"])
def profile_model(request):
    return load_model(None, request.param)


# measured (full / fast): colombe-2026.11.30-1: 0.970/0.944, 0.866/0.512, 0.915/0.814, 0.912/0.705;
# colombe-2026.11.30-4: 0.979/0.952, 0.973/0.944, 0.914/0.828, 0.936/0.861
@pytest.mark.parametrize("label,harmful,floor", [
    ("toxicity", H.SHORT_INSULTS, 0.9),
    ("insult", H.SHORT_INSULTS, 0.85),
    ("toxicity", H.THREATS, 0.75),
    ("threat", H.THREATS, 0.8),
])
def test_label_ranks_harmful_above_clean(profile_model, label, harmful, floor):
    def scores(texts):
        return [r["scores"][label] for r in profile_model.score_batch([{"text": t} for t in texts])]
    pos, neg = scores(harmful), scores(CLEAN)
    assert len(set(pos + neg)) > len(pos + neg) // 2, "the score hardly varies"
    assert _auc(pos, neg) >= floor, (profile_model.version, label, round(_auc(pos, neg), 3))
