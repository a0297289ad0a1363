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

import functools
import http.client
import ipaddress
import socket
import threading
import urllib.error
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


@functools.lru_cache(maxsize=64)
def _connection_class(base, allowed):
    class Checked(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = _connect_checked(allowed)

        def _send_output(self, message_body=None, encode_chunked=False):
            # headers and a small body in one segment (one system call, one packet)
            if isinstance(message_body, bytes) and not encode_chunked and len(message_body) <= 65536:
                self._buffer.extend((b"", b""))
                head = b"\r\n".join(self._buffer)
                del self._buffer[:]
                self.send(head + message_body)
                return
            super()._send_output(message_body, encode_chunked)
    return Checked


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allowed):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPConnection, tuple(allowed))

    def http_open(self, req):
        return self.do_open(self._conn, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allowed):
        super().__init__()
        self._conn = _connection_class(http.client.HTTPSConnection, tuple(allowed))

    def https_open(self, req):
        return self.do_open(self._conn, req, context=self._context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_openers: dict = {}
_idle: dict = {}  # (scheme, host, port, allowed) -> idle keep-alive connections
_idle_lock = threading.Lock()
MAX_IDLE_PER_DESTINATION = 16


def _take(key):
    with _idle_lock:
        conns = _idle.get(key)
        return conns.pop() if conns else None


def _give_back(key, conn) -> None:
    with _idle_lock:
        conns = _idle.setdefault(key, [])
        if len(conns) < MAX_IDLE_PER_DESTINATION:
            conns.append(conn)
            return
    conn.close()


@functools.lru_cache(maxsize=256)
def _proxied(scheme: str, host: str) -> bool:
    """Whether the environment sends this scheme and host through a proxy (read once per
    process: walking the environment costs about a millisecond a request)."""
    proxies = urllib.request.getproxies()
    return scheme in proxies and not urllib.request.proxy_bypass(host)


def request(method: str, url: str, headers: dict, body: bytes | None, timeout: float, allowed=(),
            max_bytes: int = 5 * 1024 * 1024) -> tuple[int, bytes, dict]:
    """(status, body (at most `max_bytes`), headers) of one request; no redirect followed.
    Connections to a destination are kept alive and reused (each one dialled only to a
    checked address); through an HTTP proxy, urllib's path is taken. Raises
    DestinationRefused, OSError or http.client.HTTPException."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    if _proxied(scheme, host):
        req = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with opener(allowed).open(req, timeout=timeout) as resp:
                return resp.status, resp.read(max_bytes), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(64 * 1024), dict(exc.headers.items()) if exc.headers else {}
    port = parts.port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    key = (scheme, host, port, tuple(sorted(allowed)))
    base = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    for attempt in (0, 1):
        conn = _take(key) if attempt == 0 else None
        reused = conn is not None
        if conn is None:
            conn = _connection_class(base, tuple(sorted(allowed)))(host, port, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read(max_bytes + 1)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            if reused:  # the destination closed an idle connection: once more, on a new one
                continue
            raise
        except BaseException:
            conn.close()
            raise
        if len(data) > max_bytes or not resp.isclosed() or resp.will_close:
            conn.close()
        else:
            _give_back(key, conn)
        return resp.status, data[:max_bytes], dict(resp.getheaders())
    raise OSError("no connection")  # pragma: no cover - the loop returns or raises


def opener(allowed=()) -> urllib.request.OpenerDirector:
    """A urllib opener that follows no redirect and connects only to checked addresses."""
    key = tuple(sorted(allowed))
    if key not in _openers:
        _openers[key] = urllib.request.build_opener(_NoRedirect, _HTTPHandler(key), _HTTPSHandler(key))
    return _openers[key]
