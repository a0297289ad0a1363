"""Secrets, tokens, signatures and personal-data hashing."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from cryptography.fernet import Fernet, InvalidToken

SIGNATURE_HEADER = "X-Colombe-Signature"
TIMESTAMP_HEADER = "X-Colombe-Timestamp"
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds until the year 33658
HEX = frozenset("0123456789abcdef")


class SignatureError(Exception):
    """The request is not signed, signed with a wrong secret, or too old."""


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"colombe/secret-encryption/v1\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt_secret(secret_key: str, token: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # COLOMBE_SECRET_KEY changed since the secret was stored
        raise RuntimeError("cannot decrypt a stored secret: was COLOMBE_SECRET_KEY changed?") from exc


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_api_token() -> str:
    return "col_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """API tokens are long random strings: a plain SHA-256 is a safe, indexable hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_personal(salt: str, value: str | None) -> str | None:
    """Salted hash for e-mail addresses and IPs (never stored in clear)."""
    if value is None:
        return None
    value = value.strip().lower()
    if not value:
        return None
    return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers for a signed request (used by clients, tests and outbound webhooks)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: f"sha256={mac}"}


def verify_signature(
    secrets_: list[str],
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    tolerance_s: int = 300,
    now: float | None = None,
) -> None:
    """Stripe-style check: HMAC-SHA256(secret, "<timestamp>.<raw body>").

    Several comma-separated signatures are accepted (the sender may sign with the old
    and the new secret during rotation); any of our valid secrets may match.
    """
    if not timestamp_header or not signature_header:
        raise SignatureError("missing X-Colombe-Timestamp or X-Colombe-Signature header")
    raw_ts = timestamp_header.strip()
    # ASCII digits only, and few of them: int() also takes other scripts' digits, and a
    # number of hundreds of digits cannot be compared with a float clock (OverflowError).
    if not (raw_ts.isascii() and raw_ts.isdigit() and len(raw_ts) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureError("X-Colombe-Timestamp must be Unix seconds")
    ts = int(raw_ts)
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance_s:
        raise SignatureError(f"timestamp is more than {tolerance_s} s from now")
    given = signature_candidates(signature_header)
    if not given:
        raise SignatureError("X-Colombe-Signature must look like sha256=<hex>")
    signed = f"{ts}.".encode() + body
    if not any_signature_matches(secrets_, signed, given):
        raise SignatureError("signature does not match")


def signature_candidates(header: str) -> list[bytes]:
    """The hex digests of a `sha256=<hex>[, sha256=<hex>]` header, as bytes; parts that are
    not 64 ASCII hex digits are dropped (they could never match, and `hmac.compare_digest`
    raises TypeError on non-ASCII strings)."""
    out = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("sha256="):
            digest = part[len("sha256="):].strip().lower()
            if len(digest) == 64 and digest.isascii() and all(ch in HEX for ch in digest):
                out.append(digest.encode("ascii"))
    return out


def any_signature_matches(secrets_: list[str], signed: bytes, given: list[bytes]) -> bool:
    """Whether one of `given` is HMAC-SHA256(secret, signed) for one of the secrets."""
    found = False
    for secret in secrets_:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode("ascii")
        for candidate in given:
            found |= hmac.compare_digest(expected, candidate)
    return found
