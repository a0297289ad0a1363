"""Parts of the v2 model that need no trained artifact: accented words, field
signals, the encoder's input, the embedding cache, stacking inputs, bias
metrics, the written training rows, the dataset folds."""
from __future__ import annotations

import numpy as np
import pytest

from models.bias import bias_metrics
from models.encoder import EmbeddingCache, prepare
from models.features import FeatureConfig, Featurizer
from models.hashing import accent_words
from models.signals import SIGNAL_NAMES, comment_signals, domain_of, link_domains
from models.stacking import base_names, input_matrix, stack_inputs
from models.text import normalize, readable


def test_accented_words_keep_espere_apart_from_espece():
    assert normalize("j'espère") == "j'espere" and normalize("espèce") == "espece"
    d, h = accent_words(["J'espère que oui", "espèce de", "plain ascii", "Côte", "côte et COTE"])
    assert list(d) == [0, 1, 3, 4]
    assert h[0] != h[1]                              # espère != espèce
    assert h[2] == h[3]                              # case folded, accent kept
    fz = Featurizer(FeatureConfig(accent_words=True))
    norms = [normalize(t) for t in ("j'espère", "j'espere")]
    X = fz.transform(norms, ["j'espère", "j'espere"]).toarray()
    assert (X[0] != X[1]).any()                      # the folded forms alone would be identical
    plain = Featurizer(FeatureConfig()).transform(norms, ["j'espère", "j'espere"]).toarray()
    assert (plain[0] == plain[1]).all()


def test_readable_undoes_evasions_but_keeps_words():
    assert readable("C.O.N.N.A.R.D") == "connard"
    assert readable("ｉｄｉｏｔ") == "idiot"
    assert readable("іdіоt") == "idiot"                        # Cyrillic look-alikes
    assert readable("id\u200biot") == "idiot"
    assert readable("Quel crétin !!!") == "quel crétin !!!"    # accents kept, punctuation kept
    assert readable("connnnnard") == "connard"                  # stretched letters: two kept
    assert readable("belle comme") == "belle comme"             # real doubles untouched
    assert prepare("<b>RT @bob</b> Voir https://www.exemple.fr/a?b=1 &amp; merci") == "voir exemple.fr & merci"


def test_signals_from_fields():
    items = [
        {"text": "Great post! https://cheap-loans-fast.xyz/offer", "site_url": "https://myblog.example.org"},
        {"text": "See my earlier post https://myblog.example.org/2024/x", "site_url": "https://myblog.example.org"},
        {"text": "Nice", "author_url": "https://best-casino-bonus.top", "post_url": "https://myblog.fr/p/1"},
        {"text": "Nice", "author_url": "https://camille.wordpress.com"},
        {"text": "Appelez le +33 6 12 34 56 78 ou écrivez à a.b@mail.fr pour 500€"},
        {"text": '<a href="https://x-pills.com">pills</a>'},
    ]
    S = comment_signals(items)
    col = {n: j for j, n in enumerate(SIGNAL_NAMES)}
    assert S[0, col["foreign_link"]] == 1 and S[1, col["foreign_link"]] == 0     # the site's own link
    assert S[0, col["author_url_commercial"]] >= 1                              # "loans" in the link's domain
    assert S[2, col["author_url"]] == 1 and S[2, col["author_url_foreign"]] == 1
    assert S[2, col["author_url_commercial"]] >= 1 and S[3, col["author_url_commercial"]] == 0
    assert S[4, col["has_phone"]] == 1 and S[4, col["has_email"]] == 1 and S[4, col["money"]] == 1
    assert S[5, col["anchor_markup"]] == 1
    assert domain_of("HTTPS://www.Blog.Example.org:8080/x?y") == "example.org"
    assert link_domains("voir www.a-b.fr et http://c.d.com/x") == ["a-b.fr", "d.com"]


def test_embedding_cache_round_trip(tmp_path):
    class Fake:
        calls = 0

        def encode(self, texts, prepared=True):
            Fake.calls += 1
            return np.array([[len(t), 1.0] + [0.0] * 510 for t in texts], dtype=np.float32)

    c = EmbeddingCache(tmp_path, version="fake-1")
    v = c.embed(["Bonjour", "Hello there", "", "Bonjour"], encoder=Fake())
    assert v.shape == (4, 512) and v[0, 0] == len("bonjour") and (v[2] == 0).all()
    assert (v[0] == v[3]).all() and Fake.calls == 1
    again = EmbeddingCache(tmp_path, version="fake-1")               # read back from disk
    assert len(again) == 2 and again.missing(["Bonjour", "Autre"]) == 1
    assert np.array_equal(again.embed(["Hello there"], encoder=Fake()), v[1:2]) and Fake.calls == 1


def test_stacking_inputs_and_products():
    names = stack_inputs("spam", "full", SIGNAL_NAMES)
    assert "ng:spam" in names and "sem:spam" in names and "sem:spam*fr" in names
    assert all(f"sig:{s}" in names for s in SIGNAL_NAMES)
    assert "sem:spam" not in stack_inputs("spam", "fast", SIGNAL_NAMES)
    assert not any(n.startswith("sig:") for n in stack_inputs("toxicity", "full", SIGNAL_NAMES))
    assert base_names(["a*b", "c"]) == {"a", "b", "c"}
    F = input_matrix(["a", "a*b", "missing"], {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}, 2)
    assert F.tolist() == [[1.0, 3.0, 0.0], [2.0, 8.0, 0.0]]


def test_bias_metrics_catch_a_biased_scorer():
    rng = np.random.default_rng(0)
    n = 400
    groups = [["Islam"] if i % 4 == 0 else [] for i in range(n)]
    y = rng.integers(0, 2, n)
    fair = y + rng.normal(0, 0.5, n)
    biased = fair + np.array([2.0 if g else 0.0 for g in groups])     # every mention of the group scores high
    f, b = bias_metrics(groups, y, fair), bias_metrics(groups, y, biased)
    assert f["Islam"]["bpsn_auc"] > 0.8 and b["Islam"]["bpsn_auc"] < f["Islam"]["bpsn_auc"] - 0.2
    assert b["Islam"]["bnsp_auc"] > f["Islam"]["bnsp_auc"]
    assert "_mean" in f


def test_written_rows_are_deterministic_and_labeled():
    from models.augment import augmentation_rows
    for name in ("colombe_blog_spam", "colombe_functional", "colombe_neutral_comments"):
        a, b = augmentation_rows(name), augmentation_rows(name)
        assert a == b and len(a) > 300
        assert {r["lang"] for r in a} == {"fr", "en"}
    spam = augmentation_rows("colombe_blog_spam")
    assert {r["label"] for r in spam} == {"spam", "clean"}
    assert all(r["post_title"] and r["site_url"].startswith("https://") for r in spam)
    by_fields = [r for r in spam if r.get("spam_by_fields")]
    # the same compliment is spam with a commercial author URL and clean without
    assert {r["label"] for r in by_fields} == {"spam", "clean"}
    func = augmentation_rows("colombe_functional")
    assert {r["fine_label"] for r in func} == {"hate", "negated", "counter_speech", "positive", "hopeful", "threat"}
    # every template was filled, and the second and third waves are among the rows in both languages
    assert not [r["text"] for r in func if "{" in r["text"] or "}" in r["text"]]
    from models.augment.functional import EN_COUNTER_2, FR_NEGATED_2, EN_PLAIN, FR_PLAIN
    texts = {r["text"] for r in func}
    assert any(t.startswith("I have nothing against") for t in texts) and len(EN_COUNTER_2) >= 10
    assert any(t.startswith("Je n'ai rien contre") for t in texts) and len(FR_NEGATED_2) >= 10
    assert any(t.startswith("Respect aux") for t in texts) and len(EN_PLAIN) == len(FR_PLAIN)


def test_written_rows_only_train(tmp_path):
    from models.data import assign_groups_and_splits, load_records
    recs = assign_groups_and_splits(load_records(tmp_path, limit_per_dataset=50))
    written = [r for r in recs if r.info.synthetic]
    assert written and all(r.split == "train" for r in written)
    blog = [r for r in written if r.dataset == "colombe_blog_spam"]
    assert blog and all(r.context and r.post_id for r in blog)
    assert any(r.extra.get("author_url") for r in blog)


def test_dataset_catalogue_is_read_only():
    from models.datasets import DATASETS
    with pytest.raises(TypeError):
        DATASETS["x"] = DATASETS["toxifrench"]
    assert not any(info.trainable for name, info in DATASETS.items()
                   if name in ("cyberagression_ado_large", "sfu_ctc", "ucc_unhealthy_comments"))


def test_kinds_of_toxicity_also_read_the_toxicity_heads():
    for label in ("insult", "threat", "severe_toxicity", "identity_attack", "obscene"):
        full, fast = stack_inputs(label, "full", SIGNAL_NAMES), stack_inputs(label, "fast", SIGNAL_NAMES)
        assert {"ng:toxicity", "sem:toxicity", f"ng:{label}", f"sem:{label}"} <= set(full)
        assert "ng:toxicity" in fast and not any(n.startswith("sem:") for n in fast)
    assert "ng:toxicity" not in stack_inputs("spam", "fast", SIGNAL_NAMES)
    assert stack_inputs("toxicity", "fast", SIGNAL_NAMES).count("ng:toxicity") == 1


def test_dataset_folds_spread_the_sets_that_supervise_sub_labels():
    """The sets with insult/threat labels land in different folds: with all of them in
    one fold, that fold's heads never saw an insult and the stacker learned a
    reversed sign (fast insult at chance in colombe-2026.11.30-1)."""
    from models.datasets import DATASETS
    from models.records import Record
    from models.train import DEFAULT_PARAMS, TrainingRun

    def rec(ds, **heads):
        return Record(text="x", lang="en", dataset=ds, label="toxic", heads={"toxicity": 1, **heads})

    # by size alone (the old order) Wikipedia and Civil Comments would share a fold
    big = [rec(d) for d in ("davidson_hate_offensive", "fox_news_comments") for _ in range(50)]
    big += [rec(d) for d in ("hatexplain_val_test", "stormfront_hate_sentences") for _ in range(20)]
    sub = ([rec("wikipedia_toxicity_subsets", insult=1, threat=1, severe_toxicity=1)] * 60 +
           [rec("civil_comments_toxic_spans", insult=1, threat=1)] * 45 + [rec("convabuse", insult=1)] * 40)
    run = TrainingRun.__new__(TrainingRun)
    run.p, run.catalogue, run.recs = dict(DEFAULT_PARAMS), DATASETS, big + sub
    folds = run.dataset_folds()
    assert len({folds[d] for d in ("wikipedia_toxicity_subsets", "civil_comments_toxic_spans", "convabuse")}) == 3


def test_framing_cues_count_negation_and_reporting():
    from models.framing import FRAME_NAMES, frame_signals
    F = frame_signals(["You are all idiots.", "They are not idiots and never were.",
                       "Écrire « bande d'idiots », c'est de la haine, je le signale.", "", None])
    assert FRAME_NAMES == ("negated", "reported") and F.shape == (5, 2)
    assert F[0].tolist() == [0, 0]
    assert F[1, 0] == 2 and F[1, 1] == 0          # two cues, capped at 2
    assert F[2, 1] == 2 and F[2, 0] == 0
    assert F[3].tolist() == [0, 0] and F[4].tolist() == [0, 0]


def test_framing_word_sets_count_like_the_patterns(data_dir):
    """The set lookups give the counts of the two patterns that define the cues, on real
    comments of every shared dataset and on the edge cases of the patterns."""
    import csv
    from models.framing import _NEG_RE, _REPORT_RE, _counts, frame_signals
    texts = ["Isn't it? N'importe quoi, n’est-ce pas", "NOT NEVER Jamais", "pas_de souci", "dit's",
             "«Ils disent» “quoted” „so“", "IL DIT QUE C'EST FAUX", "can't, cannot, won’t", "non-racist views",
             "racisme/antisémitisme", "he said-she said", "nothing, nobody; none.", "Écrit, ÉCRIT, écrit"]
    for f in sorted(data_dir.glob("*/*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            for k, row in enumerate(csv.DictReader(fh)):
                if k >= 300:
                    break
                texts.append(row.get("text") or "")
    assert sum(1 for t in texts if t) > 2000
    reference = np.array([[min(2, len(_NEG_RE.findall(t[:3000]))), min(2, len(_REPORT_RE.findall(t[:3000])))]
                          for t in texts], dtype=np.float64)
    assert (frame_signals(texts) == reference).all()
    for t in texts:                     # the counts themselves, below the cap of 2 too
        assert _counts(t[:3000]) == (len(_NEG_RE.findall(t[:3000])), len(_REPORT_RE.findall(t[:3000]))), t


def test_framing_inputs_only_for_the_toxic_labels():
    from models.stacking import stack_inputs
    tox = stack_inputs("toxicity", "full", (), (), ("negated",))
    assert {"frame:negated", "frame:negated*ng:toxicity", "frame:negated*sem:toxicity"} <= set(tox)
    assert "frame:negated*sem:toxicity" not in stack_inputs("insult", "fast", (), (), ("negated",))
    assert not [n for n in stack_inputs("spam", "full", ("log_links",), (), ("negated",)) if "frame:" in n]


def test_lexicon_counts_insults_swearing_and_aimed_insults_in_both_languages():
    from models.lexicon import LEX_NAMES, lexicon_signals
    texts = ["Great article. You are an idiot though.", "Quel crétin ce ministre.", "T'es qu'un C.O.N.N.A.R.D !",
             "Ferme ta gueule, espèce de sallllope", "What the f*ck, this is bullshit", "quel con",
             "Shut up you moron, you stupid jerk", "", None]
    L = lexicon_signals([normalize(t or "") for t in texts])
    assert LEX_NAMES == ("insult", "obscene", "targeted") and L.shape == (len(texts), 3)
    assert L[0].tolist() == [1, 0, 1]
    assert L[1].tolist() == [1, 0, 1]
    assert L[2].tolist() == [1, 0, 1]                 # evasion undone before the lookup
    assert L[3, 0] == 2 and L[3, 2] == 1              # a phrase and a stretched word; capped at 2
    assert L[4].tolist() == [0, 2, 0]
    assert L[5].tolist() == [1, 0, 1]                 # "con" counts only when aimed at someone
    assert L[6, 2] == 2
    assert L[7].tolist() == [0, 0, 0] and L[8].tolist() == [0, 0, 0]


def test_lexicon_leaves_groups_and_look_alike_harmless_words_alone():
    from models.lexicon import lexicon_signals
    texts = ["Les musulmans sont des êtres humains comme les autres.", "Je ne déteste pas les juifs.",
             "Gay and lesbian couples, Black and Jewish families, Muslim neighbours.",
             "Tu as raison, tant pis pour eux.", "Le Niger et le Mali.", "La tâche est nulle part, les ordures ménagères.",
             "Le con de Bayonne est un vieux mot.", "The dogs bite, rats in the attic, a pig farm.",
             "Anyone who signs this deal deserves to be hanged for treason."]
    L = lexicon_signals([normalize(t) for t in texts])
    assert L.sum() == 0, [t for t, row in zip(texts, L) if row.any()]


def test_lexicon_inputs_only_for_the_toxic_labels():
    tox = stack_inputs("toxicity", "fast", (), (), ("reported",), ("insult", "targeted"))
    assert {"lex:insult", "lex:targeted", "lex:insult*frame:reported"} <= set(tox)
    assert "lex:insult*fr" not in tox                 # one weight in both languages
    assert "lex:insult" in stack_inputs("threat", "full", (), (), (), ("insult",))
    assert not [n for n in stack_inputs("spam", "full", ("log_links",), (), (), ("insult",)) if "lex:" in n]


def test_spam_augment_weights_reach_the_spam_head_only():
    from models.data import derive_heads
    from models.heads import head_rows
    from models.records import Record

    def rec(text, dataset, label, kind):
        return Record(text=text, lang="en", dataset=dataset, label=label,
                      heads=derive_heads(dataset, kind, {"label": label}))
    recs = [rec("Call our printer support line now", "colombe_blog_spam", "spam", "spam"),
            rec("Nice post about the loaf", "colombe_blog_spam", "clean", "spam"),
            rec("Subscribe to my channel", "youtube_spam_collection", "spam", "spam"),
            rec("Love this song", "youtube_spam_collection", "clean", "spam")]
    rows = np.arange(len(recs))
    base = {"class_weight_alpha": 0.5, "spam_other_weight": 0.15, "neutral_weight": 0.4,
            "augment_weights": {"colombe_blog_spam": 1.0}}
    more = {**base, "spam_augment_weights": {"colombe_blog_spam": 3.0}}
    _, _, w1 = head_rows(recs, "spam", rows, base)
    _, _, w3 = head_rows(recs, "spam", rows, more)
    # the written rows weigh three times as much as before against the same YouTube rows
    assert w3[0] / w3[2] == pytest.approx(3 * w1[0] / w1[2])
    assert w3[1] / w3[3] == pytest.approx(3 * w1[1] / w1[3])
    # ... in the spam head only: as clean rows of the toxicity head they keep their weight
    _, yt1, t1 = head_rows(recs, "toxicity", rows, base)
    _, yt3, t3 = head_rows(recs, "toxicity", rows, more)
    assert list(yt1) == list(yt3) and np.allclose(t1, t3)


def test_stack_inputs_drop_an_input_and_its_products():
    full = stack_inputs("spam", "full", SIGNAL_NAMES)
    assert "sig:log_len" in full and "sem:spam*sig:foreign_link" in full
    less = stack_inputs("spam", "full", SIGNAL_NAMES, drop=("sig:log_len", "sig:foreign_link"))
    assert "sig:log_len" not in less and "sig:foreign_link" not in less
    assert not [n for n in less if "sig:foreign_link" in n.split("*")]       # the products go too
    assert set(less) == {n for n in full if not {"sig:log_len", "sig:foreign_link"} & set(n.split("*"))}
    assert "sem:spam" in less and "sig:author_url_commercial" in less


def test_promotion_words_skip_everyday_free_and_income():
    promo = SIGNAL_NAMES.index("promo")
    S = comment_signals([{"text": t} for t in (
        "Free speech is not a free pass, and income splitting helps few families.",
        "La liberté d'expression n'est pas gratuite pour tout le monde.",
        "Free spins and a welcome bonus, or earn a passive income from home!",
        "Téléchargez-le gratuitement, inscription 100% free.")])
    assert S[0, promo] == 0
    assert S[2, promo] >= 2              # "free spins", "earn", "passive income"
    assert S[3, promo] >= 1
