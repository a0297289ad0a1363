"""Tokens that expire. Blogger: Colombe renews its hour-long Google access token with the
stored refresh token, before expiry and on a 401, sending exactly what google-auth's
`Credentials.refresh` sends to the same local token endpoint; a refusal shows in the UI and
the metrics. Requests are the ones google-api-python-client builds from its bundled
Blogger v3 discovery document (`HttpMockSequence`). Disqus: an expired or refused access
token is a visible auth failure, not a quiet poll error."""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from sqlalchemy import select

from tests.unit.platforms.platforms import (FakeBlogger, FakeDisqus, FakeServer, configure, deliveries, drain,
                                            score_all)

CLIENT_ID, CLIENT_SECRET, REFRESH = "123-abc.apps.googleusercontent.com", "GOCSPX-test-secret", "1//0refresh-token"


class GoogleTokenEndpoint(FakeServer):
    """The refresh-token grant of Google's OAuth 2.0 token endpoint (RFC 6749 §6)."""

    def __init__(self, issue="ya29.fresh-token", refuse=False):
        super().__init__()
        self.issue, self.refuse = issue, refuse

    def handle(self, rec):
        form = {k: v[0] for k, v in rec.form().items()}
        if rec.path != "/token" or rec.method != "POST":
            return 404, {}, {"error": "not_found"}
        if self.refuse or form.get("refresh_token") != REFRESH:
            return 400, {}, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                "refresh_token", CLIENT_ID, CLIENT_SECRET):
            return 401, {}, {"error": "invalid_client", "error_description": "Unauthorized"}
        return 200, {}, {"access_token": self.issue, "expires_in": 3599, "token_type": "Bearer",
                         "scope": "https://www.googleapis.com/auth/blogger"}


def google_auth_refresh(token_uri):
    """What google-auth itself does with the same credentials (the reference client)."""
    pytest.importorskip("google.auth")
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    creds = Credentials(token=None, refresh_token=REFRESH, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        token_uri=token_uri, scopes=["https://www.googleapis.com/auth/blogger"])
    creds.refresh(Request())
    return creds


def _blogger_secrets(env, site_id):
    from service.db.integration_tables import IntegrationConfig
    from service.db.session import session_scope
    from service.integrations.common import read_secrets

    with session_scope(env["settings"].database_url) as s:
        row = s.scalar(select(IntegrationConfig).filter_by(site_id=site_id, platform="blogger"))
        return read_secrets(env["settings"], row), dict(row.state or {})


def test_blogger_refreshes_like_google_auth_before_expiry_and_on_401(env):
    from service.integrations.pollers import poll_site

    with GoogleTokenEndpoint() as google, FakeBlogger(token="ya29.fresh-token") as blogger:
        creds = google_auth_refresh(google.url + "/token")
        assert creds.token == "ya29.fresh-token" and creds.expiry is not None
        reference = google.requests[-1]
        blogger.add_comment(1, 11, "Bonjour", "2026-11-20T10:00:00Z")
        configure(env, env["a"], "blogger", blog_id=blogger.blog_id, api_base=blogger.url, client_id=CLIENT_ID,
                  token_uri=google.url + "/token",
                  secrets={"access_token": "ya29.expired", "expires_at": time.time() - 10, "refresh_token": REFRESH,
                           "client_secret": CLIENT_SECRET})
        assert poll_site(env["settings"], env["a"]["id"], "blogger")["new"] == 1
        ours = google.requests[-1]
        assert (ours.method, ours.path, ours.headers["Content-Type"]) == (reference.method, reference.path,
                                                                          reference.headers["Content-Type"])
        assert urllib.parse.parse_qs(ours.body.decode()) == urllib.parse.parse_qs(reference.body.decode())
        stored, state = _blogger_secrets(env, env["a"]["id"])
        assert stored["access_token"] == "ya29.fresh-token" and 3500 < stored["expires_at"] - time.time() < 3600
        assert state["auth"]["status"] == "ok"
        assert len(google.requests) == 2  # still valid: the next poll does not refresh
        poll_site(env["settings"], env["a"]["id"], "blogger")
        assert len(google.requests) == 2
        # Google revokes the access token early: a 401, one refresh, the same call again
        blogger.token = "ya29.second-token"
        google.issue = "ya29.second-token"
        poll_site(env["settings"], env["a"]["id"], "blogger")
        assert len(google.requests) == 3
        assert [r.headers["Authorization"] for r in blogger.requests[-2:]] == [
            "Bearer ya29.fresh-token", "Bearer ya29.second-token"]
        assert _blogger_secrets(env, env["a"]["id"])[0]["access_token"] == "ya29.second-token"


def test_a_refused_refresh_shows_in_the_ui_and_the_metrics(env):
    from service.integrations.common import AuthError
    from service.integrations.pollers import poll_site

    with GoogleTokenEndpoint(refuse=True) as google, FakeBlogger() as blogger:
        from google.auth.exceptions import RefreshError

        with pytest.raises(RefreshError):  # google-auth agrees: this endpoint refuses
            google_auth_refresh(google.url + "/token")
        configure(env, env["a"], "blogger", blog_id=blogger.blog_id, api_base=blogger.url, client_id=CLIENT_ID,
                  token_uri=google.url + "/token",
                  secrets={"access_token": "ya29.expired", "expires_at": time.time() - 10, "refresh_token": REFRESH,
                           "client_secret": CLIENT_SECRET})
        with pytest.raises(AuthError, match="invalid_grant|expired or revoked"):
            poll_site(env["settings"], env["a"]["id"], "blogger")
        assert blogger.requests == []  # no call with a dead token
        stored, state = _blogger_secrets(env, env["a"]["id"])
        assert state["auth"]["status"] == "failed" and REFRESH not in json.dumps(state)
    _assert_visible(env, "blogger")


def _assert_visible(env, platform):
    from service.db.session import session_scope
    from service.moderation.auth import create_user
    from tests.unit.moderation.conftest import Browser

    metrics_text = env["client"].get("/metrics").get_data(as_text=True)
    assert f'colombe_integration_auth_ok{{platform="{platform}",site="{env["a"]["id"]}"}} 0.0' in metrics_text
    assert f'colombe_integration_auth_failures_total{{platform="{platform}"}}' in metrics_text
    with session_scope(env["settings"].database_url) as s:
        create_user(s, "mod", "a long enough passphrase", "moderator", [env["a"]["id"]])
    browser = Browser(env["app"])
    browser.login("mod", "a long enough passphrase")
    page = browser.get("/deliveries", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'data-platform="{platform}" data-site="{env["a"]["id"]}" data-auth-status="failed"' in page
    assert "Connections that need you" in page
    page_fr = browser.get("/deliveries", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Connexions à réparer" in page_fr and "identifiants ont été refusés" in page_fr


def test_colombe_sends_what_googleapiclient_builds_from_the_blogger_discovery_document(env):
    discovery = pytest.importorskip("googleapiclient.discovery")
    from googleapiclient.http import HttpMockSequence

    from service.integrations.pollers import poll_site

    echo = ({"status": "200"}, "echo_request_uri")
    service = discovery.build("blogger", "v3", http=HttpMockSequence([echo, echo, echo]),
                              static_discovery=True, developerKey=None)
    expected_list = service.comments().listByBlog(blogId="4242", status=["LIVE", "PENDING"], fetchBodies=True,
                                                  maxResults=100).execute()
    expected_approve = service.comments().approve(blogId="4242", postId="11", commentId="1").execute()
    expected_spam = service.comments().markAsSpam(blogId="4242", postId="11", commentId="2").execute()
    expected_body = service.comments().markAsSpam(blogId="4242", postId="11", commentId="2").body  # not sent
    with FakeBlogger() as blogger:
        blogger.posts["11"] = {"id": "11", "title": "Les rouges-gorges", "url": "https://b.example/11", "content": "x"}
        blogger.add_comment(1, 11, "Très bel article", "2026-11-20T10:00:00Z")
        blogger.add_comment(2, 11, "Achetez des montres pas chères ici", "2026-11-20T10:01:00Z")
        configure(env, env["a"], "blogger", secrets={"access_token": blogger.token}, blog_id=blogger.blog_id,
                  api_base=blogger.url)
        poll_site(env["settings"], env["a"]["id"], "blogger")
        from tests.unit.platforms.test_pollers import comments_by_external, moderate

        rows = comments_by_external(env)
        score_all(env, [rows["1"].id])
        moderate(env, env["a"], rows["2"].id, "reject", "spam")
        drain(env, lambda: len(deliveries(env)) == 2 and all(d[2] == "delivered" for d in deliveries(env)))
    ours = [r for r in blogger.requests if not r.path.startswith("/blogs/4242/posts/11") or r.method == "POST"]

    def same(google_uri: str, rec) -> bool:
        g = urllib.parse.urlsplit(google_uri)
        query = {k: v for k, v in urllib.parse.parse_qs(g.query).items() if k != "alt"}
        return g.path.removeprefix("/v3") == rec.path and query == rec.query

    lists = [r for r in ours if r.path.endswith("/comments")]
    assert same(expected_list, lists[0]), (expected_list, lists[0])
    posts = [r for r in ours if r.method == "POST"]
    assert same(expected_approve, posts[0]) and same(expected_spam, posts[1]), (posts, expected_approve, expected_spam)
    assert expected_body is None and [r.body for r in posts] == [b"", b""]  # no body either way


def test_disqus_expired_token_is_a_visible_auth_failure(env):
    from service.integrations.common import AuthError
    from service.integrations.pollers import poll_site

    with FakeDisqus(access_token="mod-token") as disqus:
        disqus.add_post(100, 7, "Bonjour", "2026-11-20T10:00:00")

        original = disqus.handle

        def expired(rec):  # what Disqus answers once the moderator's token has expired
            if rec.path == "/forums/listPosts.json" or rec.path.startswith("/posts/"):
                return 400, {}, {"code": 18, "response": "Invalid access token"}
            return original(rec)

        configure(env, env["a"], "disqus", forum=disqus.forum, api_base=disqus.url,
                  secrets={"api_key": disqus.api_key, "access_token": "expired-token"})
        disqus.handle = expired
        with pytest.raises(AuthError, match="disqus-access-token-stdin"):
            poll_site(env["settings"], env["a"]["id"], "disqus")
        disqus.handle = original
        configure(env, env["b"], "disqus", forum=disqus.forum, api_base=disqus.url,
                  secrets={"api_key": disqus.api_key, "access_token": "mod-token"})
        assert poll_site(env["settings"], env["b"]["id"], "disqus")["new"] == 1  # other sites are unaffected
    _assert_visible(env, "disqus")
