"""Issue #15, items 1, 2 and 14: the redirect after login, sessions that end, and login
limits that a stranger cannot turn into a lock of somebody else's account."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.unit.moderation import seed
from tests.unit.moderation.conftest import Browser, _build_app

# ---- item 1: no open redirect ----------------------------------------------------------

EVIL_NEXT = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "//evil.example",
             "/\\evil.example", "/\\/evil.example", "https://evil.example/", "/%09/evil.example".replace("%09", "\t"),
             "\t//evil.example", "/\x00/evil.example", "/\u2028/evil.example", "javascript:alert(1)",
             "///evil.example", "/queue\t"]


def _location(resp) -> str:
    return resp.headers.get("Location", "")


def test_login_never_redirects_off_site(browser, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    browser.get("/login")
    # through the hidden `next` field of a fresh login
    resp = browser.client.post("/login", data={"username": "mod", "password": seed.PASSWORD, "next": EVIL_NEXT[0],
                                               "csrf_token": browser.csrf})
    assert resp.status_code == 302 and _location(resp) == "/queue", _location(resp)
    for target in EVIL_NEXT:  # and when already logged in
        resp = browser.client.get("/login", query_string={"next": target})
        assert resp.status_code == 302 and _location(resp) == "/queue", (target, _location(resp))
    browser.get("/queue")
    browser.client.post("/logout", data={"csrf_token": browser.csrf})
    for target in EVIL_NEXT:  # the login page does not carry it into the hidden field either
        page = browser.client.get("/login", query_string={"next": target}).data.decode()
        assert '<input type="hidden" name="next" value="">' in page, target


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_safe_next_refuses_every_off_site_form(target):
    from service.moderation.views_auth import safe_next

    assert safe_next(target) == "/queue"


def test_same_site_paths_are_still_followed(browser, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    browser.get("/login")
    resp = browser.client.post("/login", data={"username": "mod", "password": seed.PASSWORD,
                                               "next": "/queue?status=all&q=un%20mot", "csrf_token": browser.csrf})
    assert _location(resp) == "/queue?status=all&q=un%20mot"


# ---- item 2: sessions end --------------------------------------------------------------

def _copy_cookie(src: Browser, dst: Browser) -> None:
    cookie = src.client.get_cookie("colombe_session")
    dst.client.set_cookie("colombe_session", cookie.value)


def test_a_copied_cookie_stops_working_after_logout(ui_app, db_session):
    seed.site(db_session, "Blog A")
    seed.user(db_session, "admin", "admin")
    db_session.commit()
    one = Browser(ui_app)
    one.login("admin")
    thief = Browser(ui_app)
    _copy_cookie(one, thief)
    assert thief.client.get("/queue").status_code == 200
    assert thief.client.get("/admin/users").status_code == 200
    one.get("/queue")
    assert one.client.post("/logout", data={"csrf_token": one.csrf}).status_code == 302
    assert thief.client.get("/queue").status_code == 302
    assert thief.client.get("/admin/users").status_code == 302
    assert thief.client.get("/ui/spans?ids=1", headers={"Accept": "application/json"}).status_code == 401


def test_logout_ends_only_that_browser(ui_app, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    laptop, phone = Browser(ui_app), Browser(ui_app)
    laptop.login("mod"), phone.login("mod")
    laptop.get("/queue")
    laptop.client.post("/logout", data={"csrf_token": laptop.csrf})
    assert phone.client.get("/queue").status_code == 200


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_password_change_and_deactivation_end_every_session(ui_app, db_session, change):
    from service.db.auth_tables import User

    seed.user(db_session, "admin", "admin")
    mod = seed.user(db_session, "mod", "moderator")
    db_session.commit()
    victim = Browser(ui_app)
    victim.login("mod")
    thief = Browser(ui_app)
    _copy_cookie(victim, thief)
    admin = Browser(ui_app)
    admin.login("admin")
    form = {"what": "update", "user_id": str(mod.id), "role": "moderator", "active": "1"}
    if change == "password":
        form["password"] = "a brand new passphrase"
    else:
        form["active"] = "0"
    assert admin.form("/admin/users", form).status_code == 200
    db_session.expire_all()
    assert db_session.scalar(select(User.active).where(User.id == mod.id)) is (change == "password")
    for b in (victim, thief):
        assert b.client.get("/queue").status_code == 302


def test_session_lifetime_is_a_setting_and_the_server_enforces_it(settings_factory):
    from service.db.auth_tables import UserSession
    from service.db.migrate import upgrade
    from service.db.session import session_factory

    settings = settings_factory(session_lifetime_s=3600)
    upgrade(settings.database_url)
    app = _build_app(settings)
    assert app.permanent_session_lifetime == timedelta(hours=1)
    s = session_factory(settings.database_url)()
    seed.user(s, "mod", "moderator")
    s.commit()
    b = Browser(app)
    resp = b.login("mod")
    cookie = resp.headers["Set-Cookie"]
    assert "Max-Age=3600" in cookie or "Expires=" in cookie
    assert b.client.get("/queue").status_code == 200
    # an hour later (the cookie itself may be kept by a client that ignores its expiry)
    from service.db.tables import utcnow

    s.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    s.commit()
    s.close()
    assert b.client.get("/queue").status_code == 302


def test_default_session_lifetime_is_12_hours(ui_app):
    assert ui_app.permanent_session_lifetime == timedelta(hours=12)


# ---- item 14: lockout, proxies ---------------------------------------------------------

def _at(app, ip: str) -> Browser:
    b = Browser(app)
    b.client.environ_base["REMOTE_ADDR"] = ip
    return b


def test_one_address_cannot_lock_out_the_user(ui_app, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    attacker = _at(ui_app, "198.51.100.66")
    codes = [attacker.login("mod", "wrong-password").status_code for _ in range(12)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # the attacker's address waits
    assert _at(ui_app, "203.0.113.10").login("mod").status_code == 302  # the user does not


def test_many_addresses_get_a_short_back_off_not_a_lock(ui_app, db_session):
    from service.db.auth_tables import LoginAttempt

    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    for i in range(20):  # 4 failures from each of 5 addresses
        assert _at(ui_app, f"198.51.100.{i // 4}").login("mod", "wrong-password").status_code == 401 or i >= 10
    resp = _at(ui_app, "203.0.113.50").login("mod")
    assert resp.status_code == 429 and 1 <= int(resp.headers["Retry-After"]) <= 60
    # a minute later the right password works again, from anywhere
    for attempt in db_session.scalars(select(LoginAttempt)):
        attempt.created_at -= timedelta(seconds=61)
    db_session.commit()
    assert _at(ui_app, "203.0.113.50").login("mod").status_code == 302


def test_one_address_spraying_many_usernames_is_stopped(ui_app, db_session):
    seed.user(db_session, "mod", "moderator")
    db_session.commit()
    sprayer = _at(ui_app, "198.51.100.99")
    codes = [sprayer.login(f"user{i}", "wrong-password").status_code for i in range(35)]
    assert codes[:30] == [401] * 30 and set(codes[30:]) == {429}
    assert _at(ui_app, "203.0.113.1").login("mod").status_code == 302


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(settings_factory):
    from service.db.migrate import upgrade
    from service.db.session import session_factory

    for trusted, limited_by_forwarded in ((0, False), (1, True)):
        settings = settings_factory(trusted_proxies=trusted)
        upgrade(settings.database_url)
        app = _build_app(settings)
        s = session_factory(settings.database_url)()
        if s.scalar(select(__import__("service.db.auth_tables", fromlist=["User"]).User.id).limit(1)) is None:
            seed.user(s, "mod", "moderator")
            s.commit()
        s.close()
        # 5 failures sent by a client that claims to be 203.0.113.7, through the proxy 10.0.0.1
        for _ in range(5):
            b = _at(app, "10.0.0.1")
            b.login("mod", "wrong-password")
        proxy_user = _at(app, "10.0.0.1")
        proxy_user.client.environ_base["HTTP_X_FORWARDED_FOR"] = "192.0.2.44"
        # with a trusted proxy, another client behind it is another address: it may log in
        assert (proxy_user.login("mod").status_code == 302) is limited_by_forwarded, trusted
        from service.db.session import dispose_engines
        dispose_engines()
