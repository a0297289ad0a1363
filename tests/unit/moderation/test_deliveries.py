"""The deliveries page: listing, filters, pagination, retry of dead letters, access per site, escaping."""
from __future__ import annotations

import re

from service.db.integration_tables import Delivery
from tests.unit.moderation import seed

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> HTTP 500: "quoted" & more'


def _world(db_session):
    a = seed.site(db_session, "Blog A")
    b = seed.site(db_session, "Blog B")
    pa = seed.post(db_session, a.site.id, "pa", "Article A")
    pb = seed.post(db_session, b.site.id, "pb", "Article B")
    c1 = seed.comment(db_session, a.site.id, pa.id, "c1", "Tu es un idiot", author="Bob")
    c2 = seed.comment(db_session, a.site.id, pa.id, "c2", "Merci pour cet article", author="Alice")
    cb = seed.comment(db_session, b.site.id, pb.id, "cb", "idiot on site B", author="Zed")
    seed.score(db_session, [c1, c2, cb])
    ids = {"a": a.site.id, "b": b.site.id, "c1": c1.id, "c2": c2.id, "cb": cb.id}
    # created in this order, so the ids grow: newest first means the reverse
    ids["dead_a"] = seed.delivery(db_session, c1, "dead", "outbound", last_error=HOSTILE).id
    ids["pending_a"] = seed.delivery(db_session, c1, "pending", "wordpress", attempts=1,
                                     last_error="HTTP 503: try later", last_status_code=503).id
    ids["delivered_a"] = seed.delivery(db_session, c2, "delivered", "outbound", attempts=1, last_error=None,
                                       last_status_code=200).id
    ids["dead_a2"] = seed.delivery(db_session, c2, "dead", "disqus", attempts=1,
                                   last_error="HTTP 403: forbidden", last_status_code=403).id
    ids["dead_b"] = seed.delivery(db_session, cb, "dead", "outbound").id
    seed.user(db_session, "admin", "admin")
    seed.user(db_session, "mod_a", "moderator", [a.site.id])
    db_session.commit()
    return ids


def _rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), s) for i, s in re.findall(r'data-delivery-id="(\d+)" data-status="(\w+)"', html)]


def _retry(browser, delivery_id, **form):
    return browser.client.post(f"/deliveries/{delivery_id}/retry", data={**form, "csrf_token": browser.csrf})


def test_admin_lists_every_site_newest_first(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    resp = browser.get("/deliveries")
    html = resp.data.decode()
    assert resp.status_code == 200
    assert [i for i, _ in _rows(html)] == sorted(
        [w["dead_a"], w["pending_a"], w["delivered_a"], w["dead_a2"], w["dead_b"]], reverse=True)
    # the nav link and the dead-letter count (3 on all sites), pointing at the dead ones
    assert re.search(r'id="nav-deliveries" href="/deliveries\?status=dead"', html)
    assert re.search(r'id="dead-count"[^>]*>3<', html)
    # target kind, comment link to the thread view, decision, attempts, next attempt only while pending
    row = re.search(rf'data-delivery-id="{w["pending_a"]}".*?</tr>', html, re.S).group(0)
    assert "WordPress" in row and f'href="/comments/{w["c1"]}"' in row and "HTTP 503: try later" in row
    assert re.search(r"<time datetime=\"[^\"]+\">", row.split('class="last-error"')[1])  # next attempt shown
    assert "retry-form" not in row  # only dead letters have a Retry button
    dead = re.search(rf'data-delivery-id="{w["dead_a2"]}".*?</tr>', html, re.S).group(0)
    assert "Disqus" in dead and "retry-form" in dead and 'name="csrf_token"' in dead
    assert re.search(r'class="num">1<', dead)
    assert 'class="decision">approve' in dead  # the decision it carries (c2 was approved automatically)
    assert "Outbound webhook" in html and "Blog B" in html


def test_moderator_sees_only_their_sites(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    html = browser.get("/deliveries").data.decode()
    assert {i for i, _ in _rows(html)} == {w["dead_a"], w["pending_a"], w["delivered_a"], w["dead_a2"]}
    assert re.search(r'id="dead-count"[^>]*>2<', html)
    assert "Blog B" not in html
    assert browser.get(f"/deliveries?site={w['b']}").status_code == 404
    # the count is in the navigation of every page
    assert re.search(r'id="dead-count"[^>]*>2<', browser.get("/queue").data.decode())


def test_filters_by_status_and_site(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    html = browser.get("/deliveries?status=dead").data.decode()
    assert _rows(html) == [(w["dead_b"], "dead"), (w["dead_a2"], "dead"), (w["dead_a"], "dead")]
    html = browser.get(f"/deliveries?status=dead&site={w['a']}").data.decode()
    assert [i for i, _ in _rows(html)] == [w["dead_a2"], w["dead_a"]]
    assert _rows(browser.get("/deliveries?status=pending").data.decode()) == [(w["pending_a"], "pending")]
    assert _rows(browser.get("/deliveries?status=delivered").data.decode()) == [(w["delivered_a"], "delivered")]
    assert len(_rows(browser.get("/deliveries?status=all").data.decode())) == 5
    assert len(_rows(browser.get("/deliveries?status=lost&before=²").data.decode())) == 5  # bad values: ignored
    html = browser.get(f"/deliveries?site={w['b']}&status=delivered").data.decode()
    assert _rows(html) == [] and "No deliveries." in html
    assert browser.get("/deliveries?site=s_nope").status_code == 404


def test_pagination(browser, db_session, monkeypatch):
    from service.moderation import views_deliveries

    w = _world(db_session)
    monkeypatch.setattr(views_deliveries, "DELIVERIES_PAGE", 2)
    browser.login("admin")
    seen, url, pages = [], f"/deliveries?site={w['a']}", 0
    while url:
        html = browser.get(url).data.decode()
        seen += [i for i, _ in _rows(html)]
        pages += 1
        m = re.search(r'rel="next" href="([^"]+)"', html)
        url = m.group(1).replace("&amp;", "&") if m else None
        if url:
            assert f"site={w['a']}" in url
    assert pages == 2 and seen == sorted([w["dead_a"], w["pending_a"], w["delivered_a"], w["dead_a2"]], reverse=True)


def test_retry_puts_a_dead_delivery_back_in_line(browser, db_session, monkeypatch):
    from service.core import outbox
    from service.moderation import views_deliveries

    w = _world(db_session)
    calls = []

    def spy(session, d):  # the page goes through the API's own function
        calls.append(d.id)
        return outbox.retry_delivery(session, d)

    monkeypatch.setattr(views_deliveries, "retry_delivery", spy)
    # A private wakeup, to see that the page wakes the delivery thread (other tests' commits set the shared one).
    delivery_wakeup = outbox.Wakeup()
    seen = delivery_wakeup.generation()
    monkeypatch.setattr(views_deliveries, "delivery_wakeup", delivery_wakeup)
    browser.login("mod_a")
    browser.get("/deliveries?status=dead")
    resp = _retry(browser, w["dead_a"], status="dead")
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/deliveries?status=dead&retried={w['dead_a']}"
    assert calls == [w["dead_a"]] and delivery_wakeup.generation() != seen
    db_session.expire_all()
    d = db_session.get(Delivery, w["dead_a"])
    assert (d.status, d.attempts, d.last_error) == ("pending", 0, None)
    html = browser.get(resp.headers["Location"]).data.decode()
    assert f"Delivery #{w['dead_a']} is queued again." in html
    assert w["dead_a"] not in [i for i, _ in _rows(html)]
    assert re.search(r'id="dead-count"[^>]*>1<', html)
    # a second click changes nothing
    resp = _retry(browser, w["dead_a"])
    assert resp.status_code == 302 and "not_retried=" in resp.headers["Location"] and calls == [w["dead_a"]]
    # a delivered one is never sent again
    resp = _retry(browser, w["delivered_a"])
    assert "not_retried=" in resp.headers["Location"]
    db_session.expire_all()
    assert db_session.get(Delivery, w["delivered_a"]).status == "delivered"
    assert calls == [w["dead_a"]]


def test_retry_of_another_sites_delivery_is_404_for_a_moderator(browser, db_session):
    w = _world(db_session)
    browser.login("mod_a")
    browser.get("/deliveries")
    assert _retry(browser, w["dead_b"]).status_code == 404
    assert _retry(browser, 999_999).status_code == 404
    assert _retry(browser, w["dead_a"], site=w["b"]).status_code == 404  # no redirect to a hidden site either
    db_session.expire_all()
    assert db_session.get(Delivery, w["dead_b"]).status == "dead"
    assert db_session.get(Delivery, w["dead_a"]).status == "dead"
    # an admin may retry it
    admin = type(browser)(browser.client.application)
    admin.login("admin")
    admin.get("/deliveries")
    assert _retry(admin, w["dead_b"]).status_code == 302
    db_session.expire_all()
    assert db_session.get(Delivery, w["dead_b"]).status == "pending"


def test_retry_needs_csrf_and_login(browser, db_session):
    w = _world(db_session)
    assert browser.client.get("/deliveries").status_code == 302  # to the login page
    browser.login("admin")
    resp = browser.client.post(f"/deliveries/{w['dead_a']}/retry", data={})
    assert resp.status_code == 400
    db_session.expire_all()
    assert db_session.get(Delivery, w["dead_a"]).status == "dead"


def test_hostile_last_error_is_escaped(browser, db_session):
    w = _world(db_session)
    browser.login("admin")
    html = browser.get("/deliveries").data.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    cell = re.search(rf'data-delivery-id="{w["dead_a"]}".*?class="last-error">(.*?)</td>', html, re.S).group(1)
    assert cell == ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; "
                    "HTTP 500: &#34;quoted&#34; &amp; more")


def test_french(browser, db_session):
    _world(db_session)
    browser.login("admin")
    html = browser.get("/deliveries", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).data.decode()
    assert "Envois" in html and "Relancer" in html and "Dernière erreur" in html and "abandonné" in html
    assert "Webhook sortant" in html
