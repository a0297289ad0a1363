"""Per-site rules applied after the model's policy: banned words, suspect words, trusted authors.

Words are matched as whole words (or whole phrases), ignoring case and accents:
"Connard" bans "connard", "CONNARD" and "cônnard" but not "connardise".
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db.auth_tables import AuthorRuleEvent, SiteRules
from ..db.tables import APPROVED, PENDING, REJECTED, Comment

MAX_WORDS = 500
MAX_WORD_CHARS = 100


def fold(text: str) -> str:
    """Lower case, accents removed, compatibility forms unified (ﬁ → fi, ｆ → f)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("’", "'")


def clean_word_list(raw: str | list) -> list[str]:
    """One word or phrase per line (or comma-separated); blanks and duplicates dropped."""
    items = raw if isinstance(raw, list) else re.split(r"[\n,]", raw or "")
    out: list[str] = []
    seen = set()
    for item in items:
        word = " ".join(str(item).split())[:MAX_WORD_CHARS]
        key = fold(word)
        if word and key not in seen:
            seen.add(key)
            out.append(word)
    return out[:MAX_WORDS]


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    folded = sorted({fold(w) for w in words if w.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def find_words(text: str, words) -> list[str]:
    """The listed words/phrases that occur in `text` as whole words (folded forms)."""
    pattern = _pattern(tuple(words or ()))
    if pattern is None:
        return []
    return list(dict.fromkeys(" ".join(m.group(0).split()) for m in pattern.finditer(fold(text))))


def site_rules(session: Session, site_id: str) -> SiteRules | None:
    """The site's rules, looked up once per session (a scoring batch spans few sites)."""
    cache = session.info.setdefault("colombe_site_rules", {})
    if site_id not in cache:
        cache[site_id] = session.get(SiteRules, site_id)
    return cache[site_id]


AUTHOR_RULES = ("trust", "hold")


def author_rules(session: Session, site_id: str) -> dict[str, str]:
    """The per-author rules in force on a site ({author_key: "trust" | "hold"}), looked up
    once per session: the latest event per author wins, "" removes a rule."""
    cache = session.info.setdefault("colombe_author_rules", {})
    if site_id not in cache:
        latest = (select(func.max(AuthorRuleEvent.id)).where(AuthorRuleEvent.site_id == site_id)
                  .group_by(AuthorRuleEvent.author_key).scalar_subquery())
        rows = session.execute(select(AuthorRuleEvent.author_key, AuthorRuleEvent.rule)
                               .where(AuthorRuleEvent.id.in_(latest))).all()
        cache[site_id] = {key: rule for key, rule in rows if rule in AUTHOR_RULES}
    return cache[site_id]


def author_counts(session: Session, site_id: str, author_key: str) -> dict[str, int]:
    rows = session.execute(
        select(Comment.status, func.count()).where(Comment.site_id == site_id, Comment.author_key == author_key,
                                                    Comment.status.in_((APPROVED, REJECTED)))
        .group_by(Comment.status)).all()
    return {status: n for status, n in rows}


class AuthorCounts:
    """`author_counts` for the authors of a scoring batch: one query for the whole batch
    (made the first time a count is needed), kept current with the batch's own decisions
    (`decided`), which are not written yet. Decisions in the batch are made in order, so
    a comment sees the ones before it, as it would if they were scored one by one.
    """

    def __init__(self, session: Session, comments):
        self.session = session
        self.authors = {(c.site_id, c.author_key) for c in comments if c.author_key}
        self.stored: dict[tuple[str, str], dict[str, int]] | None = None
        self.batch: dict[tuple[str, str], dict[str, int]] = {}

    def get(self, site_id: str, author_key: str) -> dict[str, int]:
        if self.stored is None:
            self.stored = self._load()
        stored = self.stored.get((site_id, author_key), {})
        batch = self.batch.get((site_id, author_key), {})
        return {status: stored.get(status, 0) + batch.get(status, 0) for status in (APPROVED, REJECTED)}

    def decided(self, comment, status: str) -> None:
        if comment.author_key and status in (APPROVED, REJECTED):
            counts = self.batch.setdefault((comment.site_id, comment.author_key), {})
            counts[status] = counts.get(status, 0) + 1

    def _load(self) -> dict[tuple[str, str], dict[str, int]]:
        out: dict[tuple[str, str], dict[str, int]] = {}
        by_site: dict[str, set[str]] = {}
        for site_id, key in self.authors:
            by_site.setdefault(site_id, set()).add(key)
        for site_id, keys in by_site.items():
            rows = self.session.execute(
                select(Comment.author_key, Comment.status, func.count())
                .where(Comment.site_id == site_id, Comment.author_key.in_(keys),
                       Comment.status.in_((APPROVED, REJECTED)))
                .group_by(Comment.author_key, Comment.status))
            for key, status, n in rows:
                out.setdefault((site_id, key), {})[status] = n
        return out


def apply_site_rules(session: Session, comment: Comment, status: str, reasons: list,
                     authors: AuthorCounts | None = None) -> tuple[str, list]:
    """Adjust the policy's decision with the site's word lists and trusted-author rule.

    - a banned word rejects (whatever the scores said);
    - a suspect word holds a comment the scores would have approved;
    - an author a moderator trusts (`author_rules`) is approved, one they always hold is
      held, whatever the scores said (banned words still reject);
    - an author with at least `trusted_after` approved comments and none rejected is
      approved automatically when only the scores held the comment.
    Reasons gain entries with `kind` banned_word / suspect_word / trusted_author.
    A scoring batch passes its `authors` counts (one query per batch, not per comment).
    """
    rules = site_rules(session, comment.site_id)
    reasons = list(reasons or [])
    text = comment.text or ""
    banned = find_words(text, rules.banned_words) if rules is not None else []
    if banned:
        return REJECTED, [{"label": "banned_word", "kind": "banned_word", "words": banned[:10]}] + reasons
    by_author = author_rules(session, comment.site_id).get(comment.author_key) if comment.author_key else None
    if by_author == "trust":
        return APPROVED, [{"label": "author_rule", "kind": "author_trusted"}] + reasons
    if by_author == "hold":
        return PENDING, [{"label": "author_rule", "kind": "author_held"}] + reasons
    if rules is None:
        return status, reasons
    suspect = find_words(text, rules.suspect_words)
    if suspect:
        entry = {"label": "suspect_word", "kind": "suspect_word", "words": suspect[:10]}
        if status == APPROVED:
            return PENDING, [entry]
        return status, reasons + [entry]
    if status == PENDING and rules.trusted_after and comment.author_key:
        if authors is not None:
            counts = authors.get(comment.site_id, comment.author_key)
        else:
            counts = author_counts(session, comment.site_id, comment.author_key)
        if counts.get(REJECTED, 0) == 0 and counts.get(APPROVED, 0) >= rules.trusted_after:
            return APPROVED, [{"label": "trusted_author", "kind": "trusted_author",
                               "approved": counts.get(APPROVED, 0)}] + reasons
    return status, reasons
