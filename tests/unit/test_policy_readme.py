"""One truth for the default site policy (issue #14, item 11): README's "Site policy" table
is generated from the code, and the settings page's placeholders are the "model card
suggests" values shown beside them."""
from __future__ import annotations

import re
import subprocess
import sys
from html import unescape

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))


def test_toxicity_and_spam_hold_at_recall_90_the_others_at_precision_90():
    from models.names import LABELS
    from service.core.policy import default_policy, hold_point

    assert {label: hold_point(label) for label in LABELS} == {
        label: "recall_90" if label in ("toxicity", "spam") else "precision_90" for label in LABELS}
    thresholds = {label: {"recall_90": 0.1 + i / 100, "precision_90": 0.8 + i / 100} for i, label in enumerate(LABELS)}
    defaults = default_policy(LABELS, thresholds)
    for label in LABELS:
        assert defaults.approve_below[label] == thresholds[label][hold_point(label)]
        assert defaults.reject_above[label] is None


def test_readme_policy_table_is_the_code():
    from settings_table import policy_table

    from service.core.policy import hold_point

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- policy:start -->\n", 1)[1].split("<!-- policy:end -->", 1)[0]
    assert block == policy_table(), "run: python scripts/settings_table.py --write"
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `(\w+)` \|", block, re.M)}
    assert len(rows) == 8 and all(rows[label] == hold_point(label) for label in rows)
    # and the prose above the table does not claim one operating point for every label
    section = readme.split("## Site policy", 1)[1].split("<!-- policy:start -->", 1)[0]
    assert "`recall_90`" in section and "`precision_90`" in section and "(toxicity, spam)" in section


def test_check_flags_a_stale_policy_table(tmp_path):
    from settings_table import updated_readme

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = re.sub(r"\| `threat` \| `precision_90` \|", "| `threat` | `recall_90` |", readme)
    assert stale != readme
    assert updated_readme(stale) == readme  # --write restores it
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_settings_page_placeholders_equal_the_suggestions_beside_them(sqlite_settings):
    from models.names import LABELS
    from service.app import create_app
    from service.db.session import session_factory
    from tests.fakes import RecordingDispatcher
    from tests.unit.moderation import seed
    from tests.unit.moderation.conftest import Browser

    model = seed.ExplainingFake()
    # a different value per label and operating point, so a wrong column cannot match by chance
    model.thresholds = {label: {"recall_90": round(0.11 + i / 100, 2), "precision_90": round(0.81 + i / 100, 2)}
                        for i, label in enumerate(LABELS)}
    app = create_app(sqlite_settings, dispatcher=RecordingDispatcher())
    app.extensions["colombe_moderation"]["model"] = model
    session = session_factory(sqlite_settings.database_url)()
    try:
        site = seed.site(session, "Blog").site
        seed.user(session, "admin", "admin")
        session.commit()
        site_id = site.id
    finally:
        session.close()
    browser = Browser(app)
    browser.login("admin")
    page = unescape(browser.get(f"/admin/sites/{site_id}").data.decode())
    rows = re.findall(r'name="approve_below\.(\w+)"[^>]*placeholder="([^"]*)"></td>\s*'
                      r'<td class="muted" data-suggests="approve_below">([^ ]+) <small>\(([^)]*)\)</small>', page)
    assert {label for label, *_ in rows} == set(LABELS)
    for label, placeholder, suggested, point in rows:
        assert placeholder == suggested, label
        expected_point = "recall_90" if label in ("toxicity", "spam") else "precision_90"
        assert float(placeholder) == model.thresholds[label][expected_point]
        assert point == expected_point.replace("_", " ") + " %"
