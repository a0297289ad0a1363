"""The bundled artifact: integrity checks, interface contract, determinism."""
import json
import shutil
import threading

import numpy as np
import pytest

from models.registry import LABELS, ModelLoadError, bundled_artifact_dir, default_model, load_model

EXAMPLES = [
    {"text": "Merci pour cet article, très clair."},
    {"text": "You are a complete idiot and everyone hates you.", "lang": "en"},
    {"text": "Check out my channel http://example.com for free gift cards!!!", "post_title": "Recette de la tarte"},
    {"text": "Je ne suis pas d'accord avec l'auteur sur la réforme.", "post_title": "La réforme des retraites",
     "post_text": "Le gouvernement présente sa réforme des retraites.", "parent_text": None},
    {"text": ""},
    {"text": "   "},
]


def test_bundled_artifact_is_small_and_complete():
    d = bundled_artifact_dir()
    total = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
    assert total < 30 * 1024 * 1024
    man = json.loads((d / "manifest.json").read_text())
    for key in ("version", "files", "training_parameters", "data_sources", "libraries", "thresholds"):
        assert key in man
    for f in d.iterdir():
        assert f.suffix in (".json", ".npz", ".md"), f"unexpected file type in artifact: {f.name}"
    # no non-commercial dataset may train the shipped model
    for src in man["data_sources"]:
        if "non-commercial" in src["license"].lower():
            assert src["used_for"].startswith("evaluation only")
    # thresholds for every label, from evaluation
    for lab in LABELS:
        t = man["thresholds"][lab]
        assert 0.0 <= t["recall_90"] <= 1.0 and 0.0 <= t["precision_90"] <= 1.0


def test_card_exists_for_bundled_version():
    d = bundled_artifact_dir()
    man = json.loads((d / "manifest.json").read_text())
    card = d.parent.parent / "cards" / f"{man['version']}.md"
    assert card.is_file()
    text = card.read_text()
    assert man["version"] in text and "Citations" in text


def test_score_batch_contract(model):
    out = model.score_batch(EXAMPLES)
    assert len(out) == len(EXAMPLES)
    for item, res in zip(EXAMPLES, out):
        assert set(res["scores"]) == set(LABELS)
        for v in res["scores"].values():
            assert isinstance(v, float) and 0.0 <= v <= 1.0
        assert res["lang_detected"] in ("fr", "en", "und")
        assert res["lang"] == (item.get("lang") or res["lang_detected"])
    assert out[1]["scores"]["toxicity"] > 0.8
    assert out[0]["scores"]["toxicity"] < 0.2
    assert out[2]["scores"]["spam"] > 0.8
    assert out[4]["scores"]["toxicity"] == 0.0


def test_model_attributes(model):
    assert model.version.startswith("colombe-") and "+" not in model.version
    assert model.profile == "full" and model.semantic
    assert tuple(model.labels) == LABELS
    assert set(model.thresholds) >= set(LABELS)
    assert isinstance(model.manifest, dict)
    assert default_model() is default_model()


def test_fast_profile_is_another_model_version():
    fast = default_model("fast")
    full = default_model("full")
    assert fast is not full and not fast.semantic and fast.encoder is None
    assert fast.version == full.version + "+fast"
    assert set(fast.thresholds) >= set(LABELS)
    items = EXAMPLES[:4]
    a, b = fast.score_batch(items), full.score_batch(items)
    assert [set(r["scores"]) for r in a] == [set(LABELS)] * 4
    assert a[1]["scores"]["toxicity"] > 0.5 and a[0]["scores"]["toxicity"] < 0.5
    assert a != b                                           # the semantic stage changes the scores


def test_profile_is_passed_in_never_read_from_the_environment(monkeypatch):
    from models.registry import resolve_profile
    monkeypatch.setenv("COLOMBE_MODEL_PROFILE", "fast")  # the service reads it into Settings
    assert resolve_profile() == "full" and resolve_profile("FAST") == "fast"
    with pytest.raises(ValueError, match="quick"):
        resolve_profile("quick")


@pytest.mark.parametrize("profile,dim", [("full", 512), ("fast", 0)])
def test_site_features_contract(profile, dim):
    import scipy.sparse as sp
    m = default_model(profile)
    items = EXAMPLES[:4]
    f = m.site_features(items)
    assert set(f) == {"logits", "dense", "sparse"}
    assert f["logits"].dtype == np.float32 and f["logits"].shape == (4, len(LABELS))
    assert f["dense"].dtype == np.float32 and f["dense"].shape == (4, dim)
    assert sp.isspmatrix_csr(f["sparse"]) and f["sparse"].shape == (4, m.feature_config.n_features)
    assert f["sparse"][1].nnz > 0
    # the logits are the ones the calibrated scores come from
    scores = np.array([[r["scores"][lab] for lab in LABELS] for r in m.score_batch(items)])
    for j, lab in enumerate(LABELS[:-1]):
        cal = m.calibrate_label(lab, f["logits"][:, j].astype(np.float64))
        assert np.allclose(cal[[0, 1, 2, 3]], scores[:, j], atol=1e-4)
    empty = m.site_features([])
    assert empty["logits"].shape == (0, len(LABELS)) and empty["sparse"].shape[0] == 0


def test_artifact_is_arrays_and_json_only():
    d = bundled_artifact_dir()
    man = json.loads((d / "manifest.json").read_text())
    assert man["format_version"] == 2
    for f in d.glob("*.npz"):
        with np.load(f, allow_pickle=False) as z:          # would raise on any object array
            for k in z.files:
                assert z[k].dtype != object


def test_scores_are_deterministic_and_thread_safe(model):
    texts = [{"text": f"commentaire numéro {i} : {'quel idiot' if i % 3 == 0 else 'bon article'}"} for i in range(200)]
    ref = model.score_batch(texts)
    results = [None] * 4

    def work(k):
        results[k] = model.score_batch(texts)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r == ref
    # batch composition moves a comment's score by less than 1e-4 (full profile: the
    # encoder packs a batch's texts into shared matrix products; fast: not at all)
    single = model.score(texts[3]["text"])
    assert single["scores"].keys() == ref[3]["scores"].keys()
    assert all(abs(single["scores"][k] - ref[3]["scores"][k]) < 1e-4 for k in single["scores"])


def test_tampered_artifact_is_refused(tmp_path):
    src = bundled_artifact_dir()
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    with open(dst / "config.json", "a") as fh:
        fh.write(" ")
    with pytest.raises(ModelLoadError, match="sha256"):
        load_model(dst)
    shutil.copy(src / "config.json", dst / "config.json")
    (dst / "heads.npz").unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        load_model(dst)
    with pytest.raises(ModelLoadError):
        load_model(tmp_path / "nowhere")


def test_library_version_mismatch_warns(tmp_path):
    src = bundled_artifact_dir()
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    man = json.loads((dst / "manifest.json").read_text())
    man["libraries"]["scikit-learn"] = "0.1.0"
    (dst / "manifest.json").write_text(json.dumps(man))
    with pytest.warns(UserWarning, match="scikit-learn"):
        load_model(dst)


def test_off_topic_uses_context(model):
    post = {"post_title": "Recette de la tarte aux pommes",
            "post_text": "Voici ma recette de tarte aux pommes avec une pâte brisée maison et de la cannelle."}
    on = model.score("J'ai essayé la recette de tarte, la pâte brisée était parfaite avec les pommes.", **post)
    off = model.score("Le match de football d'hier soir était incroyable, quel but en finale !", **post)
    assert off["scores"]["off_topic"] > on["scores"]["off_topic"]


def test_scores_are_in_order_of_obviousness(model):
    s = [model.score(t)["scores"]["toxicity"] for t in
         ("Merci beaucoup, bonne journée", "T'es vraiment nul", "Ferme ta gueule espèce de connard")]
    assert s[0] < s[1] < s[2] or (s[0] < 0.2 and s[2] > 0.8)
