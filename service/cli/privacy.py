"""`colombe purge` (retention) and `colombe author export|delete` (data-subject requests).

Output: JSON on stdout, human text on stderr. The author's e-mail / name / IP given on
the command line are hashed with each
site's salt to find the comments; they are never printed back or logged.
"""
from __future__ import annotations

import json

import click


def _settings():
    from ..config import Settings

    return Settings.from_env()


def _who(email, name, ip):
    from ..core.privacy import AuthorQuery

    try:
        return AuthorQuery(email=email, name=name, ip=ip)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _author_options(fn):
    fn = click.option("--site", "site_id", default=None, help="Only this site (default: every site).")(fn)
    fn = click.option("--ip", default=None, help="The author's IP address (matched by salted hash).")(fn)
    fn = click.option("--name", default=None,
                      help="The author's display name (matches authors who gave no e-mail).")(fn)
    fn = click.option("--email", default=None, help="The author's e-mail address (matched by salted hash).")(fn)
    return fn


@click.command("purge")
@click.option("--older-than", "days", type=click.FloatRange(min=0), required=True, metavar="DAYS",
              help="Delete comments received more than DAYS days ago.")
@click.option("--site", "site_id", default=None, help="Only this site (default: every site).")
@click.option("--include-undecided", is_flag=True,
              help="Also delete comments nobody has decided on yet (received / pending).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge(days: float, site_id: str | None, include_undecided: bool, dry_run: bool) -> None:
    """Retention: delete old comments with their scores, audit rows, deliveries and labels."""
    from ..db.session import session_scope
    from ..core.privacy import purge_older_than

    settings = _settings()
    with session_scope(settings.database_url) as session:
        counts = purge_older_than(session, days, site_id=site_id, include_undecided=include_undecided,
                                  dry_run=dry_run)
        if dry_run:
            session.rollback()
    click.echo(json.dumps({"dry_run": dry_run, "older_than_days": days, **counts.as_json()}))
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {counts.comments} comment(s) received more than {days:g} day(s) ago", err=True)


@click.group("author")
def author() -> None:
    """Data-subject requests: export or delete one author's comments."""


@author.command("export")
@_author_options
def author_export(email, name, ip, site_id) -> None:
    """Print everything held about this author's comments as one JSON document."""
    from ..db.session import session_scope
    from ..core.privacy import export_author

    who = _who(email, name, ip)
    settings = _settings()
    with session_scope(settings.database_url) as session:
        doc = export_author(session, who, site_id)
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    click.echo(f"{doc['count']} comment(s) exported", err=True)


@author.command("delete")
@_author_options
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def author_delete(email, name, ip, site_id, dry_run: bool, yes: bool) -> None:
    """Erase this author's comments and everything derived from them."""
    from ..db.session import session_scope
    from ..core.privacy import delete_author

    who = _who(email, name, ip)
    settings = _settings()
    with session_scope(settings.database_url) as session:
        preview = delete_author(session, who, site_id, dry_run=True)
        if dry_run or preview.comments == 0:
            counts = preview
        else:
            if not yes:
                click.confirm(f"Delete {preview.comments} comment(s) of this author for good?", abort=True,
                              err=True)
            counts = delete_author(session, who, site_id)
    click.echo(json.dumps({"dry_run": dry_run, **counts.as_json()}))
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {counts.comments} comment(s)", err=True)
