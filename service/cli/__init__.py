"""The `colombe` command line."""
from __future__ import annotations

import json
import os

import click

from models import commands as model_commands

from ..config import Settings
from .errors import ColombeGroup
from .integrations import import_, integrations
from .learning import learn
from .privacy import author, purge
from .training import retrain
from .users import users
from .waiting import wait


def _settings() -> Settings:
    return Settings.from_env()


@click.group(cls=ColombeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="colombe", prog_name="colombe", message="%(prog)s %(version)s",
                      help="Print Colombe's version and exit.")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Colombe: self-hosted moderation for blog comments (French + English).

    Configuration comes from the environment: COLOMBE_DATABASE_URL, COLOMBE_BROKER_URL
    (unset = embedded mode), COLOMBE_SECRET_KEY, COLOMBE_DATA_DIR (default ./var); every
    variable is listed in README's configuration table.
    """
    # Whatever Colombe writes (database, secret key, metrics files, beat schedule, retrained
    # models) is readable by its owner only: no group or other permission bits.
    os.umask(os.umask(0o077) | 0o077)
    # A malformed variable is a one-line error naming it, not a traceback in whichever command reads it.
    from ..config import documented_settings

    for field in documented_settings():
        try:
            Settings.read(field.name)
        except ValueError as exc:
            raise click.ClickException(f"configuration: {exc}") from None
    # The model package's commands read no environment: their defaults come from Settings.
    defaults: dict = {}
    training_data = Settings.read("training_data_dir")
    if training_data is not None:
        defaults["train"] = {"data_dir": str(training_data)}
    profile = {"profile": Settings.read("model_profile")}  # COLOMBE_MODEL_PROFILE, as their help says
    defaults["score"] = defaults["evaluate"] = profile
    ctx.default_map = defaults


@main.command()
@click.option("--host", envvar="COLOMBE_HOST", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", envvar="COLOMBE_PORT", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", "web_workers", type=int, default=None,
              help="Web worker processes (production mode; default COLOMBE_WEB_WORKERS or 2).")
def serve(host: str, port: int, web_workers: int | None) -> None:
    """Run the web app.

    Without COLOMBE_BROKER_URL (embedded mode): migrates the database and runs the web
    app with an in-process scoring worker. With a broker URL: runs only the web tier
    under gunicorn; run `colombe worker` for scoring.
    """
    from ..logs import configure_logging
    from ..server import run_server

    settings = _settings()
    configure_logging(settings.log_level)
    if settings.embedded:
        from ..db.migrate import upgrade

        upgrade(settings.database_url)
    run_server(settings, host, port, web_workers)


@main.command()
@click.option("--concurrency", "-c", type=int, default=2, show_default=True, help="Worker processes.")
@click.option("--queues", "-Q", default="scoring,notify,celery", show_default=True,
              help="Queues to consume: scoring (model), notify (platform write-back, pollers), celery (misc), "
                   "training (`colombe retrain --enqueue`; not in the default: run `-Q training -c 1` "
                   "on its own, ideally on a separate host).")
@click.option("--beat/--no-beat", default=False, show_default=True,
              help="Also run the periodic scheduler (sweeper, outbox retries, pollers) as a child process that "
                   "is restarted whenever it exits; run it in exactly one worker (or run `colombe beat` instead).")
@click.option("--loglevel", default="INFO", show_default=True, help="Celery log level (DEBUG, INFO, WARNING, ERROR).")
@click.option("--name", default=None, help="Celery node name (default celery@<hostname>); unique per worker.")
def worker(concurrency: int, queues: str, beat: bool, loglevel: str, name: str | None) -> None:
    """Run a Celery worker (production mode; needs COLOMBE_BROKER_URL)."""
    settings = _settings()
    if settings.embedded:
        raise click.UsageError("COLOMBE_BROKER_URL is not set: `colombe serve` runs an in-process worker instead")
    from workers.beat import BeatSupervisor, beat_command
    from workers.celery_app import make_celery

    app = make_celery(settings)
    argv = ["worker", "--concurrency", str(concurrency), "--queues", queues, "--loglevel", loglevel,
            "--without-gossip", "--without-mingle"]
    if name:
        argv += ["--hostname", name]
    supervisor = BeatSupervisor(beat_command(loglevel)).start() if beat else None
    try:
        app.worker_main(argv)
    finally:
        if supervisor is not None:
            supervisor.stop()


@main.command()
@click.option("--loglevel", default="INFO", show_default=True, help="Log level (DEBUG, INFO, WARNING, ERROR).")
@click.option("--exit-with-parent", is_flag=True, hidden=True,
              help="Stop when the process that started this one is gone (used by `worker --beat`).")
def beat(loglevel: str, exit_with_parent: bool) -> None:
    """Run the periodic scheduler alone (Celery beat): the sweeper, outbox retries and
    pollers. Run exactly one per deployment, under a process manager that restarts it
    (docker compose `restart: unless-stopped`, systemd `Restart=always`); /readyz reports
    its jobs overdue if it stops. Needs COLOMBE_BROKER_URL."""
    settings = _settings()
    if settings.embedded:
        raise click.UsageError("COLOMBE_BROKER_URL is not set: `colombe serve` runs the periodic jobs in-process")
    from ..config import make_private_dir
    from workers import beat as beat_module
    from workers.celery_app import make_celery

    if exit_with_parent:
        beat_module.exit_with_parent()
    make_private_dir(settings.data_dir)
    app = make_celery(settings)
    beat_module.run_beat(app, str(settings.data_dir / "celerybeat-schedule"), loglevel)


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True,
              help="Alembic revision to reach (`head`: the latest).")
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations up to REVISION."""
    from ..db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}", err=True)


@main.group()
def sites() -> None:
    """Manage sites (each blog is a site with its own secret, token and policy)."""


@sites.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document: id, webhook_secret, api_token.")
def sites_create(name: str, as_json: bool) -> None:
    """Create a site called NAME (shown in the moderator UI); prints its id, webhook secret
    and API token (shown once)."""
    from ..core.sites import create_site
    from ..db.migrate import upgrade
    from ..db.session import session_scope

    settings = _settings()
    if settings.embedded:
        upgrade(settings.database_url)
    with session_scope(settings.database_url) as session:
        try:
            new = create_site(session, name, settings.secret_key)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="NAME") from None
        data = new.as_json()
    if as_json:
        click.echo(json.dumps({"id": data["id"], "name": data["name"], "webhook_secret": data["webhook_secret"],
                               "api_token": data["api_token"]}))
        click.echo("Keep the webhook secret and API token: they are not shown again.", err=True)
    else:
        click.echo(f"site id:        {data['id']}")
        click.echo(f"webhook secret: {data['webhook_secret']}")
        click.echo(f"api token:      {data['api_token']}")
        click.echo("Keep the webhook secret and API token: they are not shown again.", err=True)


@sites.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of {id, name} instead of lines.")
def sites_list(as_json: bool) -> None:
    """List sites (ids and names; secrets are never shown)."""
    from sqlalchemy import select

    from ..db.session import session_scope
    from ..db.tables import Site

    settings = _settings()
    with session_scope(settings.database_url) as session:
        rows = [{"id": s.id, "name": s.name} for s in session.scalars(select(Site).order_by(Site.created_at))]
    if as_json:
        click.echo(json.dumps(rows))
    else:
        for r in rows:
            click.echo(f"{r['id']}\t{r['name']}")


# Every command group, registered explicitly (none is optional: they all ship).
for _command in (*model_commands.COMMANDS, users, integrations, import_, purge, author, retrain, learn, wait):
    main.add_command(_command)
