"""`colombe wait`: block until comments are scored, for scripts and the README's tour.

A comment accepted by a webhook answers 202 at once and is scored in the background; a
script that reads `GET /api/v1/comments/<id>` straight away would see `received` and no
scores. `colombe wait --comment ID` returns as soon as the worker has scored it.
"""
from __future__ import annotations

import json
import time

import click


def _unscored(settings, comment_ids: tuple[int, ...], site_id: str | None) -> tuple[list[dict], int]:
    """The awaited comments (id, status) and how many of them are still unscored."""
    from sqlalchemy import func, select

    from ..db.session import session_scope
    from ..db.tables import RECEIVED, Comment

    with session_scope(settings.database_url) as session:
        if comment_ids:
            query = select(Comment.id, Comment.status).where(Comment.id.in_(comment_ids))
            if site_id:
                query = query.where(Comment.site_id == site_id)
            rows = [{"id": cid, "status": status} for cid, status in session.execute(query.order_by(Comment.id))]
            missing = sorted(set(comment_ids) - {r["id"] for r in rows})
            if missing:
                where = f" in site {site_id}" if site_id else ""
                raise click.ClickException(f"no comment with id {', '.join(map(str, missing))}{where} "
                                           "(--comment takes Colombe's id, as in GET /api/v1/comments/<id>)")
            return rows, sum(r["status"] == RECEIVED for r in rows)
        query = select(func.count()).select_from(Comment).where(Comment.status == RECEIVED)
        if site_id:
            query = query.where(Comment.site_id == site_id)
        return [], session.scalar(query) or 0


@click.command("wait")
@click.option("--comment", "comment_ids", multiple=True, type=click.IntRange(min=1), metavar="ID",
              help="Colombe id of a comment to wait for (the `id` a webhook answers); repeatable. "
                   "Default: every comment stored so far.")
@click.option("--site", "site_id", default=None, metavar="SITE_ID", help="Only the comments of this site.")
@click.option("--timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Seconds to wait at most; past them the command fails (exit 1).")
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.2, show_default=True,
              help="Seconds between two looks at the database.")
def wait(comment_ids: tuple[int, ...], site_id: str | None, timeout: float, interval: float) -> None:
    """Wait until comments are scored (no longer `received`): the --comment ones, else
    every comment (of --site). Prints JSON: each awaited comment's id and status, or how
    many remain unscored (0). Exits 1 after --timeout seconds."""
    from ..config import Settings

    settings = Settings.from_env()
    if settings.embedded:
        from ..db.migrate import upgrade

        upgrade(settings.database_url)
    deadline = time.monotonic() + timeout
    while True:
        rows, left = _unscored(settings, comment_ids, site_id)
        if not left:
            click.echo(json.dumps({"comments": rows} if comment_ids else {"unscored": 0}))
            return
        if time.monotonic() >= deadline:
            what = (f"comment(s) {', '.join(str(r['id']) for r in rows if r['status'] == 'received')} still unscored"
                    if comment_ids else f"{left} comment(s) still unscored")
            raise click.ClickException(
                f"after {timeout:g} s, {what}: is a worker running? (`colombe serve` runs one in embedded mode; "
                "with COLOMBE_BROKER_URL, `colombe worker`); wait longer with --timeout")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
