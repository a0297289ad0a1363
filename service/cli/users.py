"""`colombe users …`: create and list moderator accounts."""
from __future__ import annotations

import json
import sys

import click


@click.group()
def users() -> None:
    """Moderator UI accounts (admins manage everything; moderators see their sites only)."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator", show_default=True,
              help="admin: every site; moderator: only the sites given with --site.")
@click.option("--site", "sites", multiple=True, help="Site id the moderator may see (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
def users_create(username: str, role: str, sites: tuple[str, ...], password_stdin: bool) -> None:
    """Create the user USERNAME (their login name). Without --password-stdin the password is
    asked twice, hidden."""
    from ..config import Settings
    from ..db.migrate import upgrade
    from ..db.session import session_scope
    from ..moderation.auth import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings.from_env()
    if settings.embedded:
        upgrade(settings.database_url)
    try:
        with session_scope(settings.database_url) as session:
            user = create_user(session, username, password, role, sites)
            out = {"id": user.id, "username": user.username, "role": user.role, "sites": list(dict.fromkeys(sites))}
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(out))
    click.echo(f"user {out['username']} created ({role})", err=True)


@users.command("list")
def users_list() -> None:
    """List users with their role and sites."""
    from sqlalchemy import select

    from ..config import Settings
    from ..db.auth_tables import User, UserSite
    from ..db.session import session_scope

    settings = Settings.from_env()
    with session_scope(settings.database_url) as session:
        assigned: dict[int, list] = {}
        for uid, sid in session.execute(select(UserSite.user_id, UserSite.site_id)).all():
            assigned.setdefault(uid, []).append(sid)
        for u in session.scalars(select(User).order_by(User.username)):
            state = "" if u.active else " (inactive)"
            click.echo(f"{u.username}\t{u.role}{state}\t{','.join(assigned.get(u.id, [])) or '-'}")
