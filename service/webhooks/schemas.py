"""Validation of the generic webhook's JSON: clear field errors, never exceptions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

MAX_ID = 255
MAX_NAME = 255
MAX_URL = 2048
MAX_LANG = 16
MAX_POST_TEXT = 200_000


@dataclass
class PostIn:
    external_id: str
    title: str | None = None
    text: str | None = None
    url: str | None = None
    lang: str | None = None
    # which optional keys were present (later sightings update only those)
    present: frozenset = frozenset()


@dataclass
class CommentIn:
    external_id: str
    text: str
    format: str = "text"
    post: PostIn | None = None
    parent_external_id: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    author_ip: str | None = None
    created_at: datetime | None = None
    lang: str | None = None
    extra: dict = field(default_factory=dict)


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, message)


def _str(obj: dict, key: str, prefix: str, errors: _Errors, *, required=False, max_len=MAX_ID, allow_int=False):
    name = f"{prefix}{key}"
    if key not in obj or obj[key] is None:
        if required:
            errors.add(name, "is required")
        return None
    value = obj[key]
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.add(name, "must be a string")
        return None
    if "\x00" in value:
        errors.add(name, "must not contain NUL characters")
        return None
    if not value.isascii():
        try:  # JSON escapes can smuggle lone surrogates ("\ud800") that no database can store
            value.encode("utf-8")
        except UnicodeEncodeError:
            errors.add(name, "must not contain unpaired surrogates (invalid Unicode)")
            return None
    if len(value) > max_len:
        errors.add(name, f"is longer than {max_len} characters")
        return None
    if required and not value.strip():
        errors.add(name, "must not be empty")
        return None
    return value


def parse_timestamp(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    if not 1970 <= dt.year <= 2999:
        raise ValueError("year out of range")
    return dt.astimezone(timezone.utc)


def validate_comment(obj, prefix: str, errors: _Errors, max_text: int) -> CommentIn | None:
    if not isinstance(obj, dict):
        errors.add(prefix.rstrip(".") or "body", "must be an object")
        return None
    before = len(errors)
    external_id = _str(obj, "id", prefix, errors, required=True, allow_int=True)
    text = _str(obj, "text", prefix, errors, required=True, max_len=max_text)
    fmt = obj.get("format", "text")
    if fmt is None:
        fmt = "text"
    if fmt not in ("text", "html"):
        errors.add(f"{prefix}format", "must be 'text' or 'html'")
    post = None
    if obj.get("post") is not None:
        p = obj["post"]
        pp = f"{prefix}post."
        if not isinstance(p, dict):
            errors.add(f"{prefix}post", "must be an object")
        else:
            post_id = _str(p, "id", pp, errors, required=True, allow_int=True)
            title = _str(p, "title", pp, errors, max_len=2000)
            ptext = _str(p, "text", pp, errors, max_len=MAX_POST_TEXT)
            url = _str(p, "url", pp, errors, max_len=MAX_URL)
            plang = _str(p, "lang", pp, errors, max_len=MAX_LANG)
            present = frozenset(k for k in ("title", "text", "url", "lang") if p.get(k) is not None)
            if post_id is not None:
                post = PostIn(post_id, title, ptext, url, plang.lower() if plang else None, present)
    parent = _str(obj, "parent_id", prefix, errors, allow_int=True)
    author = obj.get("author")
    name = email = url = ip = None
    if author is not None:
        ap = f"{prefix}author."
        if not isinstance(author, dict):
            errors.add(f"{prefix}author", "must be an object")
        else:
            name = _str(author, "name", ap, errors, max_len=MAX_NAME)
            email = _str(author, "email", ap, errors, max_len=MAX_NAME)
            url = _str(author, "url", ap, errors, max_len=MAX_URL)
            ip = _str(author, "ip", ap, errors, max_len=64)
    created = None
    raw_created = _str(obj, "created_at", prefix, errors, max_len=64)
    if raw_created is not None:
        try:
            created = parse_timestamp(raw_created)
        except (ValueError, OverflowError):
            errors.add(f"{prefix}created_at", "must be an ISO-8601 timestamp")
    lang = _str(obj, "lang", prefix, errors, max_len=MAX_LANG)
    if len(errors) > before:
        return None
    return CommentIn(
        external_id=external_id,
        text=text,
        format=fmt,
        post=post,
        parent_external_id=parent,
        author_name=name,
        author_email=email,
        author_url=url,
        author_ip=ip,
        created_at=created,
        lang=lang.lower() if lang else None,
    )


def validate_payload(body, max_batch: int = 500, max_text: int = 100_000) -> tuple[list[CommentIn], dict[str, str]]:
    """One comment object, or {"comments": [...]} with up to `max_batch` items."""
    errors = _Errors()
    if not isinstance(body, dict):
        return [], {"body": "must be a JSON object (one comment, or {\"comments\": [...]})"}
    if "comments" in body and "text" not in body:
        items = body["comments"]
        if not isinstance(items, list):
            return [], {"comments": "must be an array"}
        if not items:
            return [], {"comments": "must not be empty"}
        if len(items) > max_batch:
            return [], {"comments": f"at most {max_batch} comments per request"}
        out = []
        for i, item in enumerate(items):
            c = validate_comment(item, f"comments.{i}.", errors, max_text)
            if c is not None:
                out.append(c)
        return (out if not errors else []), dict(errors)
    c = validate_comment(body, "", errors, max_text)
    return ([c] if c and not errors else []), dict(errors)
