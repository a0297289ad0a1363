"""Coral phase answer time with the bundled model, in-process (Flask test client, SQLite):
the first call on a web process that has not loaded the model yet (lazy), then 200 warm
calls. Run: .venv/bin/python bench/coral_phase.py (figures depend on the machine's load).
The answer must stay within COLOMBE_CORAL_DEADLINE_MS (150) of Coral's 200 ms timeout."""
import hashlib, hmac, json, statistics, sys, tempfile, time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
from service.app import create_app
from service.config import Settings
from service.core.sites import create_site
from service.db.migrate import upgrade
from service.db.session import session_scope
from service.integrations.common import get_or_create_config, write_secrets
from tests.fakes import RecordingDispatcher

tmp = tempfile.mkdtemp()
s = Settings.from_env({"COLOMBE_DATA_DIR": tmp}, testing=True)
upgrade(s.database_url)
with session_scope(s.database_url) as ss:
    site = create_site(ss, "Coral", s.secret_key).as_json()
    write_secrets(s, get_or_create_config(ss, site["id"], "coral"), {"signing_secrets": ["k" * 32]})
client = create_app(s, dispatcher=RecordingDispatcher()).test_client()
def call(i):
    body = json.dumps({"action": "NEW", "comment": {"body": f"Quel idiot, cet auteur {i}", "parentID": None},
                       "author": {"id": "u", "role": "COMMENTER"}, "story": {"id": "s1", "url": "https://x.example/1"},
                       "site": {"id": "x"}, "tenantID": "t", "tenantDomain": "x.example"}).encode()
    sig = "sha256=" + hmac.new(b"k" * 32, body, hashlib.sha256).hexdigest()
    t = time.perf_counter()
    r = client.post(f"/integrations/coral/{site['id']}", data=body, headers={"Content-Type": "application/json", "X-Coral-Signature": sig})
    return r.status_code, (time.perf_counter() - t) * 1000
print("cold (lazy model):", call(0))
time.sleep(2)  # let the background load finish
res = [call(i) for i in range(1, 201)]; times = [t for _, t in res]; print("statuses:", {c: sum(1 for x, _ in res if x == c) for c in {x for x, _ in res}})
print("warm: p50 %.1f ms, p99 %.1f ms, max %.1f ms over 200 calls" % (statistics.median(times), sorted(times)[197], max(times)))
