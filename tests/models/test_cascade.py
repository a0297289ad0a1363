"""The second stage's bands and time budget (models/cascade.py, models/pipeline.py)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from models.cascade import TOXIC, e5_seconds, fit_bands, hold_point, in_band, short_rows
from models.encoder import E5_MAX_CHARS
from models.names import TEXT_HEADS


def _scores(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.beta(0.6, 2.5, size=(n, len(TEXT_HEADS)))


@pytest.mark.parametrize("share", [0.05, 0.3, 0.6])
def test_bands_cover_about_the_share_asked_and_contain_their_hold_points(share):
    S = _scores(4000)
    holds = {"toxicity": 0.2, "insult": 0.6, "threat": 0.8}
    bands, got = fit_bands(S, holds, share)
    assert got <= share + 1e-9
    assert got >= share - 0.02          # the bisection gets close to the target from below
    assert abs(float(in_band(S, bands).mean()) - got) < 1e-12
    for lab, h in holds.items():
        lo, hi = bands[lab]
        assert lo <= h <= hi
    # a wider share never narrows a band
    wider, _ = fit_bands(S, holds, min(0.95, share + 0.2))
    for lab in holds:
        assert wider[lab][0] <= bands[lab][0] and wider[lab][1] >= bands[lab][1]


def test_a_band_opened_above_reads_every_row_its_label_would_hold_and_keeps_its_lower_edge():
    S = _scores(4000)
    holds = {"toxicity": 0.2, "insult": 0.6}
    closed, got_closed = fit_bands(S, holds, 0.1)
    opened, got_open = fit_bands(S, holds, 0.1, open_above=("toxicity",))
    assert opened["toxicity"] == (closed["toxicity"][0], np.inf)
    assert opened["insult"] == closed["insult"]
    tox = S[:, TEXT_HEADS.index("toxicity")]
    assert in_band(S, opened)[tox >= holds["toxicity"]].all()
    assert not in_band(S, closed)[tox >= holds["toxicity"]].all()
    # the share reported is the one read, the opened part included
    assert got_open == pytest.approx(float(in_band(S, opened).mean())) and got_open > got_closed


def test_in_band_reads_each_label_in_its_own_column():
    S = np.zeros((3, len(TEXT_HEADS)))
    S[0, TEXT_HEADS.index("threat")] = 0.5
    S[1, TEXT_HEADS.index("toxicity")] = 0.5
    S[2, TEXT_HEADS.index("spam")] = 0.5          # not a toxic label: never sent to e5
    assert in_band(S, {"threat": (0.4, 0.6)}).tolist() == [True, False, False]
    assert in_band(S, {"toxicity": (0.4, 0.6), "threat": (0.4, 0.6)}).tolist() == [True, True, False]
    assert "spam" not in TOXIC and "off_topic" not in TOXIC


def test_hold_point_is_the_policy_operating_point():
    y = np.array([0] * 80 + [1] * 20)
    s = np.r_[np.linspace(0, 0.5, 80), np.linspace(0.3, 1.0, 20)]
    # toxicity: recall 90 % (the 3rd positive from the bottom); a kind: precision 90 %
    assert hold_point("toxicity", y, s) == pytest.approx(np.sort(s[80:])[2], abs=1e-6)
    assert hold_point("insult", y, s) > hold_point("toxicity", y, s)


def test_e5_cost_estimate_grows_with_length_up_to_what_e5_reads():
    assert e5_seconds("") < e5_seconds("x" * 100) < e5_seconds("x" * E5_MAX_CHARS)
    assert e5_seconds("x" * E5_MAX_CHARS) == e5_seconds("x" * 5000)


@pytest.fixture(scope="module")
def cascade_model(model):
    if getattr(model, "cascade", None) is None:
        pytest.skip("the bundled model has no second stage")
    return model


def _borderline(model) -> list[dict]:
    """Comments the second stage reads: first-stage scores in a band, or short (found, not assumed);
    at least one of them long and in a band."""
    texts = ["Les musulmans sont des êtres humains comme les autres.", "Je ne déteste pas les juifs.",
             "Anyone who signs this deal deserves to be hanged for treason.", "Quel crétin ce ministre.",
             "Women should not be allowed to vote on this.", "Ces gens-là ne changeront jamais.",
             "Your argument is idiotic but I see where you come from.", "Merci pour cet article.",
             "Ce gouvernement de bras cassés ne comprend rien à rien, franchement c'est lamentable.",
             "Encore un article complètement à côté de la plaque, l'auteur devrait changer de métier.",
             "Honestly the people who wrote this law should be ashamed of themselves, it is a disgrace."]
    items = [{"text": t} for t in texts]
    from models.pipeline import run_batch
    b = run_batch(model, items, second_stage=False)
    band = in_band(b.scores, model.cascade["bands"])
    short = short_rows(texts, model.cascade.get("short_chars", 0))
    if not any(band & ~short):
        pytest.skip("none of the longer sample comments falls in a band")
    return [it for it, m in zip(items, band | short) if m]


def test_second_stage_changes_only_toxic_labels_of_the_rows_in_a_band(cascade_model):
    from models.pipeline import run_batch
    items = _borderline(cascade_model) + [{"text": "Merci beaucoup pour ce très bel article sur les oiseaux."}]
    first = run_batch(cascade_model, items, second_stage=False)
    both = run_batch(cascade_model, items)
    assert first.second is None and len(both.second) >= 1
    rows = set(both.second.tolist())
    routed = in_band(first.scores, cascade_model.cascade["bands"]) | short_rows(
        [it["text"] for it in items], cascade_model.cascade.get("short_chars", 0))
    assert rows == set(np.where(routed)[0].tolist())
    toxic = [TEXT_HEADS.index(lab) for lab in TOXIC]
    other = [j for j in range(both.scores.shape[1]) if j not in toxic]
    np.testing.assert_array_equal(both.scores[:, other], first.scores[:, other])
    for i in range(len(items)):
        if i not in rows:
            np.testing.assert_array_equal(both.scores[i], first.scores[i])
    assert any(not np.array_equal(both.scores[i, toxic], first.scores[i, toxic]) for i in rows)


def test_short_rows_counts_raw_characters():
    texts = ["", "Bof.", "x" * 60, "x" * 61, None]
    assert short_rows(texts, 0).tolist() == [False] * 5
    assert short_rows(texts, 60).tolist() == [True, True, True, False, True]


def test_short_comments_go_to_the_second_stage_wherever_they_score(cascade_model):
    from models.pipeline import run_batch
    items = [{"text": "Merci pour ce bel article."},
             {"text": "Merci beaucoup pour ce très bel article sur les oiseaux migrateurs du printemps, "
                      "que j'ai lu deux fois avec plaisir."}]
    first = run_batch(cascade_model, items, second_stage=False)
    assert not in_band(first.scores, cascade_model.cascade["bands"]).any()   # both settled by the first stage
    saved = cascade_model.cascade
    try:
        cascade_model.cascade = {**saved, "short_chars": 0}
        assert run_batch(cascade_model, items).second.tolist() == []
        cascade_model.cascade = {**saved, "short_chars": 40}
        assert run_batch(cascade_model, items).second.tolist() == [0]
    finally:
        cascade_model.cascade = saved


def test_a_past_deadline_leaves_the_first_stage_scores(cascade_model):
    items = _borderline(cascade_model)
    late = cascade_model.score_batch(items, deadline=time.perf_counter() - 1)
    first = cascade_model.raw_scores(items, second_stage=False)[0]
    for out, row in zip(late, first):
        assert [out["scores"][lab] for lab in TEXT_HEADS] == pytest.approx(row[:len(TEXT_HEADS)].tolist(), abs=1e-6)
    roomy = cascade_model.score_batch(items, deadline=time.perf_counter() + 60)
    assert roomy == cascade_model.score_batch(items)


def test_second_stage_scores_do_not_depend_on_the_batch(cascade_model):
    items = _borderline(cascade_model)
    texts = [it["text"] for it in items] + ["Bonne journée à tous !", "x" * 300]
    # e5's vectors are bit-identical alone and in a batch (padded to its longest text, 256 characters read)
    alone5 = np.stack([cascade_model.e5.encode([t])[0] for t in texts])
    np.testing.assert_array_equal(alone5, cascade_model.e5.encode(texts))
    # the scores too, but for USE-m3's last bits: the first stage shares matrix products within a
    # batch (about 1e-7 of a vector, ``encoder.Encoder.encode``), which can move a score's 6th decimal
    alone = [cascade_model.score_batch([it])[0]["scores"] for it in items]
    together = [o["scores"] for o in cascade_model.score_batch(items + [{"text": "Bonne journée à tous !"}])[:len(items)]]
    for a, b in zip(alone, together):
        assert a == pytest.approx(b, abs=5e-6)


def test_inverse_calibration_gives_back_the_logit():
    from models.calibration import apply_calibration, invert_calibration
    kx = np.array([-3.0, -1.0, 0.0, 2.0, 4.0])
    ky = np.array([0.01, 0.1, 0.3, 0.8, 0.95])
    z = np.array([-5.0, -2.0, -0.3, 0.0, 1.7, 3.9, 8.0])
    p = apply_calibration(z, kx, ky)
    np.testing.assert_allclose(apply_calibration(invert_calibration(p, kx, ky), kx, ky), p, atol=1e-9)
    np.testing.assert_allclose(invert_calibration(p, kx, ky), z, atol=1e-6)
