"""Issue #15, item 13: outbound URLs (decision webhooks, platform base URLs) may not reach
loopback, private or link-local addresses unless the operator names the host; the check
holds at connect time (DNS rebinding), and reply bodies never reach the site API."""
from __future__ import annotations

import socket

import pytest

from tests.unit.platforms.platforms import FakeServer, FakeWordPress, Receiver, configure, deliveries, score_all, send


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("127.8.9.10", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("2002:7f00:1::", False), ("::", False), ("fe80::1%eth0", False), ("not-an-ip", False),
    ("93.184.216.34", True), ("1.1.1.1", True), ("2606:4700:4700::1111", True)])
def test_public_addresses(address, public):
    from service.integrations.net import is_public

    assert is_public(address) is public


def _strict(env):
    return env["settings"].replace(outbound_allowed_hosts=())


def test_outbound_webhook_to_loopback_is_refused_by_default(env):
    from service.integrations.outbox_sender import deliver_due

    with Receiver() as receiver:
        configure(env, env["a"], "outbound", url=receiver.url + "/hook")
        score_all(env, send(env, env["a"], {"id": "ssrf-1", "text": "bonjour"}))
        counts = deliver_due(_strict(env))
        assert counts["dead"] == 1 and receiver.requests == []
        (_id, _target, status, _attempts, _payload, _key), = deliveries(env)
        assert status == "dead"
        listed = env["client"].get("/integrations/api/deliveries", headers={
            "Authorization": f"Bearer {env['a']['api_token']}"}).json["deliveries"]
        assert "destination refused" in listed[0]["last_error"] and "COLOMBE_OUTBOUND_ALLOWED_HOSTS" in \
            listed[0]["last_error"]


@pytest.mark.parametrize("allowed", [("127.0.0.1",), ("localhost",), None])
def test_named_internal_hosts_may_be_allowed(env, allowed):
    from service.integrations.outbox_sender import deliver_due

    with Receiver() as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        host = "localhost" if allowed == ("localhost",) else "127.0.0.1"
        configure(env, env["a"], "outbound", url=f"http://{host}:{port}/hook")
        score_all(env, send(env, env["a"], {"id": "allowed-1", "text": "bonjour"}))
        settings = env["settings"].replace(outbound_allowed_hosts=allowed or (f"127.0.0.1:{port}",))
        assert deliver_due(settings)["delivered"] == 1 and len(receiver.requests) == 1


def test_an_allowed_port_does_not_open_other_ports(env):
    from service.integrations.outbox_sender import deliver_due

    with Receiver() as receiver:
        configure(env, env["a"], "outbound", url=receiver.url + "/hook")
        score_all(env, send(env, env["a"], {"id": "port-1", "text": "bonjour"}))
        settings = env["settings"].replace(outbound_allowed_hosts=("127.0.0.1:1",))
        assert deliver_due(settings)["dead"] == 1 and receiver.requests == []


def test_dns_rebinding_is_checked_at_connect_time(env, monkeypatch):
    """The name first resolves to a public address (a check at save time would pass), then
    to loopback when the connection is made: the connection is refused."""
    from service.integrations import net
    from service.integrations.common import http_request

    with Receiver() as receiver:
        port = int(receiver.url.rsplit(":", 1)[1])
        answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]] * 1 +
                       [[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]] * 5)
        monkeypatch.setattr(net.socket, "getaddrinfo", lambda *a, **k: next(answers))
        net.check_url(f"http://rebind.example:{port}/hook")  # first answer: public
        result = http_request("POST", f"http://rebind.example:{port}/hook", body=b"{}", timeout=3)
        assert result.status == 0 and result.refused and "127.0.0.1" in result.error
        assert receiver.requests == []


def test_every_address_of_a_name_is_checked(monkeypatch):
    from service.integrations import net

    infos = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
             (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
    monkeypatch.setattr(net.socket, "getaddrinfo", lambda *a, **k: infos)
    with pytest.raises(net.DestinationRefused, match="10.0.0.7"):
        net.checked_addresses("mixed.example", 443)
    assert net.checked_addresses("mixed.example", 443, ("mixed.example",)) == infos


class Leaky(FakeServer):
    """An internal service that answers with something secret."""

    def handle(self, rec):
        return 500, {}, b"root:x:0:0:SECRET-INTERNAL-DATA " * 20


def test_reply_bodies_never_reach_the_site_api(env):
    from service.integrations.outbox_sender import deliver_due

    with Leaky() as leaky:
        configure(env, env["a"], "outbound", url=leaky.url + "/hook")
        score_all(env, send(env, env["a"], {"id": "leak-1", "text": "bonjour"}))
        deliver_due(env["settings"])  # allowed in tests: the request is made, the reply read
        assert len(leaky.requests) == 1
        listed = env["client"].get("/integrations/api/deliveries", headers={
            "Authorization": f"Bearer {env['a']['api_token']}"}).get_data(as_text=True)
        assert "SECRET-INTERNAL-DATA" not in listed and "HTTP 500" in listed


def test_platform_base_urls_are_checked_too(env):
    from service.integrations.outbox_sender import deliver_due

    with FakeWordPress() as wp:
        configure(env, env["a"], "wordpress", url=wp.url, user=wp.user, secrets={"app_password": wp.app_password})
        score_all(env, send(env, env["a"], {"id": "12", "text": "bonjour"}))
        counts = deliver_due(_strict(env))
        assert counts["dead"] == 1 and wp.requests == []


def test_a_sender_may_still_use_the_database(env, monkeypatch):
    """Senders get their connections without a query; one that asks more of its `session`
    gets a real one, committed with the batch."""
    from service.db.session import session_scope
    from service.db.tables import Site
    from service.integrations import outbox_sender

    seen = {}

    def sender(settings, session, site, delivery):
        seen["config"] = outbox_sender.get_config(session, site.id, "outbound")
        seen["name"] = session.get(Site, site.id).name  # a real query, in the sender's thread
        session.get(Site, site.id).name = "Renamed by a sender"
        return outbox_sender.HttpResult(200, b"", {})

    monkeypatch.setitem(outbox_sender.SENDERS, "outbound", sender)
    configure(env, env["a"], "outbound", url="https://hooks.example.org/colombe")
    score_all(env, send(env, env["a"], {"id": "ctx-1", "text": "bonjour"}))
    assert outbox_sender.deliver_due(env["settings"])["delivered"] == 1
    assert seen["config"].config["url"] == "https://hooks.example.org/colombe" and seen["name"] == "Blog A"
    with session_scope(env["settings"].database_url) as s:
        assert s.get(Site, env["a"]["id"]).name == "Renamed by a sender"
