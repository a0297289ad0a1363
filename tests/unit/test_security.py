import time

import pytest

from service.core.security import (SignatureError, decrypt_secret, encrypt_secret, hash_personal, sign,
                                   verify_signature)


def test_signature_roundtrip_and_failures():
    body = b'{"a":1}'
    h = sign("s1", body)
    verify_signature(["s1"], body, h["X-Colombe-Timestamp"], h["X-Colombe-Signature"])
    verify_signature(["new", "s1"], body, h["X-Colombe-Timestamp"], h["X-Colombe-Signature"])
    with pytest.raises(SignatureError):
        verify_signature(["s2"], body, h["X-Colombe-Timestamp"], h["X-Colombe-Signature"])
    with pytest.raises(SignatureError):
        verify_signature(["s1"], body + b" ", h["X-Colombe-Timestamp"], h["X-Colombe-Signature"])
    old = sign("s1", body, int(time.time()) - 1000)
    with pytest.raises(SignatureError, match="300"):
        verify_signature(["s1"], body, old["X-Colombe-Timestamp"], old["X-Colombe-Signature"])
    with pytest.raises(SignatureError):
        verify_signature(["s1"], body, "abc", h["X-Colombe-Signature"])
    with pytest.raises(SignatureError):
        verify_signature(["s1"], body, h["X-Colombe-Timestamp"], "md5=abc")


def test_secret_encryption_needs_the_same_key():
    token = encrypt_secret("k1", "whsec_x")
    assert "whsec_x" not in token and decrypt_secret("k1", token) == "whsec_x"
    with pytest.raises(RuntimeError):
        decrypt_secret("k2", token)


def test_personal_hash_is_salted_and_normalized():
    assert hash_personal("a", "Zoe@Example.org ") == hash_personal("a", "zoe@example.org")
    assert hash_personal("a", "zoe@example.org") != hash_personal("b", "zoe@example.org")
    assert hash_personal("a", "") is None and hash_personal("a", None) is None
