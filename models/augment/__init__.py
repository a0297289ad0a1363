"""Rows written for the project (training augmentation only, never evaluation).

Each module generates its rows deterministically from the project's own
templates, so ``make train`` is reproducible from ``../shared/data`` plus this
repository:

- ``neutral.py``: neutral French and English comments that mention groups,
  religions, places and everyday topics (clean);
- ``blog_spam.py``: blog-comment spam in French and English (links, author
  URLs, pharma, loans, crypto, casinos, SEO, generic praise) beside ordinary
  blog comments, each with the post it answers;
- ``functional.py``: negation and counter-speech about groups (clean) beside
  direct attacks and threats (toxic).

``rows(catalogue_name)`` dispatches by dataset name.
"""
from __future__ import annotations

__all__ = ["augmentation_rows"]


def augmentation_rows(name: str) -> list[dict]:
    """Rows of one written dataset: dicts with ``text``, ``lang``, ``label`` and
    optionally ``post_title``, ``post_text``, ``author_url``, ``site_url``."""
    if name == "colombe_neutral_comments":
        from .neutral import neutral_comments
        return [{"text": t, "lang": lg, "label": "clean"} for t, lg in neutral_comments()]
    if name == "colombe_blog_spam":
        from .blog_spam import blog_spam_rows
        return blog_spam_rows()
    if name == "colombe_functional":
        from .functional import functional_rows
        return functional_rows()
    raise KeyError(name)
