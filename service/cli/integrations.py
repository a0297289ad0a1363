"""`colombe integrations …` (connections, deliveries, polls) and `colombe import wxr|blogger`."""
from __future__ import annotations

import json
import sys

import click


def _settings():
    from ..config import Settings

    return Settings.from_env()


def _prepare(settings) -> None:
    if settings.embedded:
        from ..db.migrate import upgrade

        upgrade(settings.database_url)


def _count_metrics(settings) -> None:
    """Comments this command brings in are counted in /metrics like webhook deliveries
    (`colombe_comments_received_total`): the counters go to the shared metrics folder."""
    from .. import metrics

    metrics.configure(settings.metrics_dir)


def _site_or_fail(session, site_id: str):
    from ..db.tables import Site

    site = session.get(Site, site_id)
    if site is None:
        raise click.BadParameter(f"no site with id {site_id!r}", param_hint="SITE_ID")
    return site


def _check_url(value: str | None, name: str) -> str | None:
    if value in (None, ""):
        return value
    if not value.startswith(("http://", "https://")) or len(value) > 2048 or any(c.isspace() for c in value):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint=name)
    return value


STDIN_SECRETS = {
    "wordpress_app_password_stdin": ("wordpress", "app_password"),
    "blogger_token_stdin": ("blogger", "access_token"),
    "blogger_refresh_token_stdin": ("blogger", "refresh_token"),
    "blogger_client_secret_stdin": ("blogger", "client_secret"),
    "disqus_access_token_stdin": ("disqus", "access_token"),
    "disqus_api_secret_stdin": ("disqus", "api_secret"),
    "coral_signing_secret_stdin": ("coral", "signing_secrets"),
}


@click.group("integrations")
def integrations() -> None:
    """Connect a site to its blog platform (WordPress, Blogger, Disqus, Coral) or to any URL."""


@integrations.command("set")
@click.argument("site_id")
@click.option("--outbound-url", help="POST every decision to this URL (signed like inbound webhooks); '' removes it.")
@click.option("--wordpress-url", help="The WordPress site URL (REST API at <url>/wp-json).")
@click.option("--wordpress-user", help="WordPress user owning the application password.")
@click.option("--wordpress-app-password-stdin", is_flag=True, help="Read the WordPress application password from stdin.")
@click.option("--blogger-blog-id", help="Blogger blog id to poll.")
@click.option("--blogger-token-stdin", is_flag=True, help="Read a Blogger OAuth access token from stdin.")
@click.option("--blogger-refresh-token-stdin", is_flag=True,
              help="Read a Google OAuth refresh token (offline access, blogger scope) from stdin; Colombe then renews "
                   "the hour-long access tokens itself. Needs --blogger-client-id and --blogger-client-secret-stdin.")
@click.option("--blogger-client-id", help="The OAuth client id the refresh token was issued to.")
@click.option("--blogger-client-secret-stdin", is_flag=True, help="Read that OAuth client's secret from stdin.")
@click.option("--blogger-token-uri", help="OAuth token endpoint (default https://oauth2.googleapis.com/token).")
@click.option("--blogger-reject-action", type=click.Choice(["spam", "remove", "none"]),
              help="What a rejection (other than spam) does on Blogger: spam = markAsSpam (default: hidden, text kept, "
                   "restorable), remove = removeContent (erases the text for good), none = nothing.")
@click.option("--blogger-api-key", help="Optional Google API key sent with Blogger requests.")
@click.option("--blogger-api-base", help="Blogger API root (default https://blogger.googleapis.com/v3).")
@click.option("--disqus-forum", help="Disqus forum short name to poll.")
@click.option("--disqus-api-key", help="Disqus public API key.")
@click.option("--disqus-access-token-stdin", is_flag=True, help="Read a Disqus moderator access token from stdin.")
@click.option("--disqus-api-secret-stdin", is_flag=True, help="Read the Disqus API secret from stdin.")
@click.option("--disqus-api-base", help="Disqus API root (default https://disqus.com/api/3.0).")
@click.option("--coral-signing-secret-stdin", is_flag=True,
              help="Read a Coral external-moderation signing secret from stdin (the previous one stays valid).")
@click.option("--coral-forget-old-secrets", is_flag=True, help="Keep only the newest Coral signing secret.")
@click.option("--perspective-queue/--no-perspective-queue", default=None,
              help="Queue comments scored through the Perspective API (doNotStore false) for moderation like webhook "
                   "deliveries; off by default (they are only kept for learning).")
@click.option("--poll-interval", type=click.IntRange(10, 86400), help="Seconds between polls (Blogger, Disqus).")
@click.option("--enable", "enable", type=click.Choice(["outbound", "wordpress", "blogger", "disqus", "coral",
                                                      "perspective"]),
              multiple=True, help="Re-enable a connection.")
@click.option("--disable", "disable", type=click.Choice(["outbound", "wordpress", "blogger", "disqus", "coral",
                                                        "perspective"]),
              multiple=True, help="Disable a connection (kept, not used).")
def set_(site_id, outbound_url, wordpress_url, wordpress_user, wordpress_app_password_stdin, blogger_blog_id,
         blogger_token_stdin, blogger_refresh_token_stdin, blogger_client_id, blogger_client_secret_stdin,
         blogger_token_uri, blogger_reject_action, blogger_api_key, blogger_api_base, disqus_forum, disqus_api_key,
         disqus_access_token_stdin, disqus_api_secret_stdin, disqus_api_base, coral_signing_secret_stdin,
         coral_forget_old_secrets, perspective_queue, poll_interval, enable, disable):
    """Configure SITE_ID's connections. Secrets are read from stdin (one per invocation), stored encrypted."""
    from ..db.session import session_scope
    from ..integrations.common import (describe, get_config, get_or_create_config, read_secrets, set_auth,
                                       set_config_values, write_secrets)

    given = {"wordpress_app_password_stdin": wordpress_app_password_stdin, "blogger_token_stdin": blogger_token_stdin,
             "blogger_refresh_token_stdin": blogger_refresh_token_stdin,
             "blogger_client_secret_stdin": blogger_client_secret_stdin,
             "disqus_access_token_stdin": disqus_access_token_stdin, "disqus_api_secret_stdin": disqus_api_secret_stdin,
             "coral_signing_secret_stdin": coral_signing_secret_stdin}
    stdin_flags = [name for name, flag in given.items() if flag]
    if len(stdin_flags) > 1:
        raise click.UsageError("pass at most one --…-stdin option per invocation")
    secret_value = None
    if stdin_flags:
        secret_value = sys.stdin.readline().strip()
        if not secret_value:
            raise click.UsageError("expected the secret on stdin")
    _check_url(outbound_url, "--outbound-url")
    _check_url(wordpress_url, "--wordpress-url")
    _check_url(blogger_api_base, "--blogger-api-base")
    _check_url(blogger_token_uri, "--blogger-token-uri")
    _check_url(disqus_api_base, "--disqus-api-base")
    settings = _settings()
    _prepare(settings)
    touched = set()
    with session_scope(settings.database_url) as session:
        _site_or_fail(session, site_id)

        def row(platform):
            touched.add(platform)
            return get_or_create_config(session, site_id, platform)

        if outbound_url is not None:
            set_config_values(row("outbound"), url=outbound_url)
        if wordpress_url is not None or wordpress_user is not None:
            set_config_values(row("wordpress"), url=wordpress_url, user=wordpress_user)
        if any(v is not None for v in (blogger_blog_id, blogger_api_base, blogger_client_id, blogger_token_uri,
                                       blogger_reject_action)):
            set_config_values(row("blogger"), blog_id=blogger_blog_id, api_base=blogger_api_base,
                              client_id=blogger_client_id, token_uri=blogger_token_uri,
                              reject_action=blogger_reject_action)
        if disqus_forum is not None or disqus_api_base is not None:
            set_config_values(row("disqus"), forum=disqus_forum, api_base=disqus_api_base)
        if perspective_queue is not None:
            set_config_values(row("perspective"), queue=perspective_queue)
        if poll_interval is not None:
            for platform in ("blogger", "disqus"):
                existing = get_config(session, site_id, platform)
                if existing is not None:
                    set_config_values(existing, poll_interval_s=poll_interval)
                    touched.add(platform)
        plain_secrets = {("blogger", "api_key"): blogger_api_key, ("disqus", "api_key"): disqus_api_key}
        for (platform, key), value in plain_secrets.items():
            if value is not None:
                r = row(platform)
                values = read_secrets(settings, r)
                values[key] = value
                write_secrets(settings, r, values)
        if stdin_flags:
            platform, key = STDIN_SECRETS[stdin_flags[0]]
            r = row(platform)
            values = read_secrets(settings, r)
            if key == "signing_secrets":
                values[key] = [secret_value] + [s for s in values.get(key, []) if s != secret_value][:2]
            else:
                values[key] = secret_value
            if key in ("access_token", "refresh_token"):
                values.pop("expires_at", None)  # a token given by hand: its lifetime is unknown
                set_auth(r, True)  # new credentials: the previous failure no longer holds
            write_secrets(settings, r, values)
        if coral_forget_old_secrets:
            r = row("coral")
            values = read_secrets(settings, r)
            values["signing_secrets"] = values.get("signing_secrets", [])[:1]
            write_secrets(settings, r, values)
        for platform in enable:
            row(platform).enabled = True
        for platform in disable:
            row(platform).enabled = False
        shown = [describe(settings, get_or_create_config(session, site_id, p)) for p in sorted(touched)]
    click.echo(json.dumps({"site_id": site_id, "integrations": shown}, indent=2))


@integrations.command("show")
@click.argument("site_id")
def show(site_id):
    """Show SITE_ID's connections (secrets are never printed)."""
    from sqlalchemy import select

    from ..db.integration_tables import IntegrationConfig
    from ..db.session import session_scope
    from ..integrations.common import describe

    settings = _settings()
    with session_scope(settings.database_url) as session:
        _site_or_fail(session, site_id)
        rows = session.scalars(select(IntegrationConfig).where(IntegrationConfig.site_id == site_id)
                               .order_by(IntegrationConfig.platform))
        click.echo(json.dumps({"site_id": site_id, "integrations": [describe(settings, r) for r in rows]}, indent=2))


@integrations.command("deliveries")
@click.argument("site_id")
@click.option("--status", type=click.Choice(["pending", "delivered", "dead", "superseded"]),
              help="Only the deliveries in this state (default: all).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Deliveries listed at most.")
def deliveries(site_id, status, limit):
    """List SITE_ID's decision deliveries (newest first), e.g. the dead-lettered ones."""
    from sqlalchemy import select

    from ..db.integration_tables import Delivery
    from ..db.session import session_scope
    from ..core.outbox import delivery_json

    settings = _settings()
    with session_scope(settings.database_url) as session:
        _site_or_fail(session, site_id)
        q = select(Delivery).where(Delivery.site_id == site_id)
        if status:
            q = q.where(Delivery.status == status)
        rows = [delivery_json(d) for d in session.scalars(q.order_by(Delivery.id.desc()).limit(limit))]
    click.echo(json.dumps(rows, indent=2))


@integrations.command("retry")
@click.argument("delivery_id", type=int)
def retry(delivery_id):
    """Put the dead delivery DELIVERY_ID (from `colombe integrations deliveries`) back in line."""
    from ..db.integration_tables import Delivery
    from ..db.session import session_scope
    from ..core.outbox import retry_delivery

    settings = _settings()
    with session_scope(settings.database_url) as session:
        d = session.get(Delivery, delivery_id)
        if d is None:
            raise click.BadParameter(f"no delivery {delivery_id}", param_hint="DELIVERY_ID")
        if d.status == "delivered":
            raise click.UsageError("this delivery already succeeded")
        retry_delivery(session, d)
    click.echo(f"delivery {delivery_id} queued again", err=True)


@integrations.command("deliver")
def deliver():
    """Send the due deliveries now (the worker and `colombe serve` do this on their own)."""
    from ..integrations.outbox_sender import deliver_due

    click.echo(json.dumps(deliver_due(_settings())))


@integrations.command("poll")
@click.argument("site_id")
@click.argument("platform", type=click.Choice(["blogger", "disqus"]))
def poll(site_id, platform):
    """Poll SITE_ID's comments on PLATFORM (blogger or disqus) now."""
    from ..integrations.pollers import PollError, default_enqueue, poll_site

    settings = _settings()
    _count_metrics(settings)
    try:
        counts = poll_site(settings, site_id, platform, enqueue=default_enqueue(settings))
    except PollError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(counts))
    if counts.get("refused"):
        raise click.ClickException(f"intake refused the comments: too many are waiting to be scored "
                                   f"(COLOMBE_BACKLOG_LIMIT={settings.backlog_limit}); poll again later")


@click.group("import")
def import_() -> None:
    """Import a blog's comment history (past decisions become training labels)."""


def _run_import(fmt: str, file: str, site_id: str, quiet: bool = False) -> None:
    from tqdm import tqdm

    from ..integrations.imports import ExportFileError, ImportStopped, run_import
    from ..integrations.pollers import default_enqueue

    if not quiet:  # before the migrations and the first read: something on screen at once
        click.echo(f"importing {file} into site {site_id}…", err=True)
    settings = _settings()
    _prepare(settings)
    _count_metrics(settings)

    def progress(total):
        # the bytes of the export read so far, redrawn at least every half second while they move
        return tqdm(total=total, unit="B", unit_scale=True, desc=f"import {fmt}", file=sys.stderr,
                    disable=quiet, mininterval=0.5)

    try:
        stats = run_import(settings, site_id, file, fmt, progress=progress, enqueue=default_enqueue(settings))
    except ExportFileError as exc:
        raise click.ClickException(str(exc)) from None
    except ImportStopped as exc:
        click.echo(json.dumps(exc.stats.as_json()))
        raise click.ClickException(
            f"import stopped: intake refused more comments ({exc}; COLOMBE_BACKLOG_LIMIT={settings.backlog_limit}). "
            f"{exc.stats.comments} comment(s) were imported before the stop; run the same command again later: "
            "comments already imported are skipped.") from None
    click.echo(json.dumps(stats.as_json()))


@import_.command("wxr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--site", "site_id", required=True, help="Site id the comments belong to.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def import_wxr(file, site_id, quiet):
    """Import FILE, a WordPress WXR export (Tools → Export)."""
    _run_import("wxr", file, site_id, quiet)


@import_.command("blogger")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--site", "site_id", required=True, help="Site id the comments belong to.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def import_blogger(file, site_id, quiet):
    """Import FILE, a Blogger export (Settings → Back up content)."""
    _run_import("blogger", file, site_id, quiet)
