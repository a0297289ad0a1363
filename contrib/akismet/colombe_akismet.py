"""Use the `akismet` package from PyPI (25.x) against Colombe instead of Akismet's servers.

The client always builds URLs on Akismet's own host; an httpx transport sends the same
requests to Colombe. The Akismet key is your site's Colombe API token.

    from colombe_akismet import colombe_akismet_client

    client = colombe_akismet_client("https://colombe.example.org", API_TOKEN, "https://blog.example.org")
    verdict = client.comment_check(user_ip="203.0.113.5", comment_content=text, blog_lang="fr")
    # akismet.CheckResponse.HAM / SPAM / DISCARD

Copy this file next to your code (pip install akismet httpx).
"""
from __future__ import annotations

import akismet
import httpx


class ColombeTransport(httpx.HTTPTransport):
    """Sends every request the Akismet client makes to Colombe, same path and body."""

    def __init__(self, colombe_url: str, **kwargs):
        super().__init__(**kwargs)
        self.colombe_url = colombe_url.rstrip("/")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = httpx.URL(self.colombe_url + request.url.raw_path.decode("ascii"))
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return super().handle_request(request)


def colombe_akismet_client(colombe_url: str, api_token: str, blog_url: str, timeout: float = 10.0):
    """An `akismet.SyncClient` whose requests go to Colombe (key checked on creation)."""
    http = httpx.Client(transport=ColombeTransport(colombe_url), timeout=timeout)
    return akismet.SyncClient.validated_client(config=akismet.Config(key=api_token, url=blog_url), http_client=http)
