"""The web tier's numpy-free copies of model facts stay equal to the model's own."""
from __future__ import annotations


def test_web_labels_match_the_model():
    from models.registry import LABELS
    from service.web import MODEL_LABELS

    assert MODEL_LABELS == LABELS


def test_web_artifact_dir_matches_the_model():
    from models.registry import bundled_artifact_dir
    from service.web import bundled_model_dir

    assert bundled_model_dir() == bundled_artifact_dir()
