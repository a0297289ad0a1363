"""Where Colombe may connect: the outbound URL check of every platform call and decision
webhook (`common.http_request`).

A destination is refused when its host resolves to a loopback, private, link-local or
otherwise non-public address (any of its addresses), unless the operator names the host
(or `host:port`) in `COLOMBE_OUTBOUND_ALLOWED_HOSTS`. The check runs when the connection
is made, on the addresses the socket is then connected to (the name is resolved once,
every address checked, and only checked addresses are dialled), so a DNS answer that
changes between a check and the connection (DNS rebinding) cannot slip through. Through
an HTTP proxy (`https_proxy`), the proxy is the destination checked.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request


class DestinationRefused(OSError):
    """The destination resolves to an address Colombe must not reach."""


def is_public(address: str) -> bool:
    """Whether an IP address is a public, routable one (not loopback, private, link-local,
    multicast, reserved, unspecified, carrier-grade NAT, nor such an IPv4 inside IPv6)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, (ip.teredo or (None, None))[1]):
            if embedded is not None and not is_public(str(embedded)):
                return False
    return ip.is_global and not ip.is_multicast


def host_allowed(host: str, port: int, allowed) -> bool:
    """Whether the operator allowed this host (by name, or as host:port) to be internal."""
    host = (host or "").strip("[]").lower().rstrip(".")
    return host in allowed or f"{host}:{port}" in allowed


def checked_addresses(host: str, port: int, allowed=()) -> list[tuple]:
    """`getaddrinfo` results for host:port, every one checked; raises DestinationRefused
    naming the first address that is not public (unless the host is allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host!r}: {exc}") from None
    if host_allowed(host, port, allowed):
        return infos
    for info in infos:
        address = info[4][0]
        if not is_public(address):
            raise DestinationRefused(
                f"{host} resolves to {address}, a loopback, private or link-local address: refused "
                "(an operator may allow this host with COLOMBE_OUTBOUND_ALLOWED_HOSTS)")
    return infos


def check_url(url: str, allowed=()) -> None:
    """Raise DestinationRefused (or OSError, ValueError) when `url` may not be called now."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url[:80]!r}")
    checked_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allowed)


def _connect_checked(allowed):
    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        host, port = address
        last: OSError | None = None
        for family, type_, proto, _name, sockaddr in checked_addresses(host, port, allowed):
            sock = socket.socket(family, type_, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError(f"no address to connect to for {host}")
    return create_connection


def _connection_class(base, allowed):
    class Checked(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = _connect_checked(allowed)
    return Checked


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allowed):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPConnection, allowed)

    def http_open(self, req):
        return self.do_open(self._conn, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allowed):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPSConnection, allowed)

    def https_open(self, req):
        return self.do_open(self._conn, req, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_openers: dict = {}


def opener(allowed=()) -> urllib.request.OpenerDirector:
    """A urllib opener that follows no redirect and connects only to checked addresses."""
    key = tuple(sorted(allowed))
    if key not in _openers:
        _openers[key] = urllib.request.build_opener(_NoRedirect, _HTTPHandler(key), _HTTPSHandler(key))
    return _openers[key]
