"""Property tests: no input crashes the normalizer, the webhook validator, the signature
check or the importers; they fail only in their documented ways."""
from __future__ import annotations

import importlib.util
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# text that looks like comments: accents, leetspeak, emoji, zero-width and bidi marks, URLs
ALPHABET = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf"))
TEXTS = st.one_of(
    st.text(ALPHABET, max_size=300),
    st.text(st.sampled_from(list("aàâeéèêiïoôuùüç@4310$!*.-_ \n\t\u200b\u202e😀xXhttp://w.fr")), max_size=200),
    st.text(max_size=100),
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
COMMENTISH = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=300), st.integers(), JSON),
        "text": st.one_of(st.text(max_size=50), JSON),
        "format": st.one_of(st.sampled_from(["text", "html", "HTML", ""]), JSON),
        "post": st.one_of(st.fixed_dictionaries({}, optional={"id": JSON, "title": JSON, "lang": JSON}), JSON),
        "parent_id": JSON,
        "author": st.one_of(st.fixed_dictionaries({}, optional={"name": JSON, "email": JSON, "ip": JSON}), JSON),
        "created_at": st.one_of(st.text(max_size=40), JSON),
        "lang": JSON,
    },
)


@pytest.mark.skipif(importlib.util.find_spec("models.text") is None, reason="models.text not present")
class TestNormalizer:
    @FAST
    @given(TEXTS)
    def test_normalize_never_crashes_and_returns_text(self, text):
        from models.text import normalize

        out = normalize(text)
        assert isinstance(out, str)
        assert "\x00" not in out or "\x00" in text
        assert out == out.strip()

    @FAST
    @given(st.lists(TEXTS, max_size=8))
    def test_batch_normalization_matches_one_by_one(self, texts):
        from models import text as mt

        if not hasattr(mt, "normalize_batch"):
            pytest.skip("no normalize_batch")
        assert mt.normalize_batch(texts) == [mt.normalize(t) for t in texts]


@FAST
@given(st.one_of(JSON, COMMENTISH, st.fixed_dictionaries({"comments": st.lists(COMMENTISH, max_size=4)})))
def test_webhook_validation_never_raises(body):
    from service.core.intake import validate_payload

    comments, errors = validate_payload(body, max_batch=5, max_text=100)
    assert isinstance(errors, dict)
    assert not (comments and errors)
    for c in comments:
        assert c.external_id and c.text.strip() and len(c.text) <= 100
        c.text.encode("utf-8")  # storable
        assert "\x00" not in c.text + c.external_id
    json.dumps(errors)  # error bodies are always serializable


@FAST
@given(st.text(max_size=60))
def test_timestamp_parser_fails_only_with_value_errors(value):
    from service.core.intake import parse_timestamp

    try:
        dt = parse_timestamp(value)
    except (ValueError, OverflowError):
        return
    assert dt.tzinfo is not None and 1969 <= dt.year <= 3000


@FAST
@given(st.binary(max_size=200), st.one_of(st.none(), st.text(max_size=30)), st.one_of(st.none(), st.text(max_size=120)))
def test_signature_check_fails_only_with_signature_errors(body, ts, sig):
    from service.core.security import SignatureError, verify_signature

    with pytest.raises(SignatureError):
        verify_signature(["whsec_test"], body, ts, sig)


@FAST
@given(st.binary(max_size=300))
def test_json_parser_fails_only_with_4xx(raw):
    from service.webhooks.generic import BodyError, parse_json

    try:
        parse_json(raw)
    except BodyError as exc:
        assert exc.status == 400


# ---- importers (only when the integrations team's module exists) ----------------------

XML_FRAGMENTS = st.sampled_from([
    "<rss>", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>",
    "<wp:post_id>1</wp:post_id>", "<wp:comment>", "</wp:comment>", "<wp:comment_id>7</wp:comment_id>",
    "<wp:comment_content><![CDATA[<b>salut</b>]]></wp:comment_content>", "<wp:comment_approved>spam</wp:comment_approved>",
    "<wp:comment_parent>7</wp:comment_parent>", "<wp:comment_date_gmt>2024-99-99</wp:comment_date_gmt>",
    "<feed xmlns='http://www.w3.org/2005/Atom'>", "</feed>", "<entry>", "</entry>", "<content type='html'>x</content>",
    "&amp;", "&bogus;", "<![CDATA[", "]]>", "\x00", "\udcff", "é", "<!DOCTYPE x>", "<?xml version='1.0'?>",
])
WXR_HEAD = ('<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>')


def _imports():
    return pytest.importorskip("service.integrations.imports")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.one_of(st.binary(max_size=400),
                 st.lists(XML_FRAGMENTS, max_size=25).map(lambda parts: (WXR_HEAD + "".join(parts)).encode("utf-8", "replace"))))
@pytest.mark.parametrize("parser", ["parse_wxr", "parse_blogger"])
def test_importers_never_crash(tmp_path_factory, parser, data):
    imports = _imports()
    path = tmp_path_factory.mktemp("imp") / "export.xml"
    path.write_bytes(data)
    try:
        for item in getattr(imports, parser)(str(path)):
            assert isinstance(item, tuple)
    except imports.ExportFileError:
        pass
