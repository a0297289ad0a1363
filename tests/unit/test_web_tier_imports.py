"""The web tier serves webhooks, the API and its OpenAPI document without loading numpy
or scipy (the model package's scoring side), which would add ~50 MB to every web worker."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_web_requests_do_not_import_numpy(tmp_path):
    """Production layout (a broker configured, so scoring happens in workers; in embedded
    mode the web process scores and does load the model). The broker is never reached."""
    script = textwrap.dedent(f"""
        import json, sys
        from service.app import create_app
        from service.config import Settings
        from tests.fakes import RecordingDispatcher
        settings = Settings.from_env({{"COLOMBE_DATA_DIR": {str(tmp_path)!r},
                                      "COLOMBE_DATABASE_URL": "sqlite:///{tmp_path}/c.db",
                                      "COLOMBE_BROKER_URL": "redis://127.0.0.1:1/0"}}, testing=True)
        from service.db.migrate import upgrade
        upgrade(settings.database_url)
        app = create_app(settings, dispatcher=RecordingDispatcher())
        c = app.test_client()
        codes = [c.get("/api/v1/openapi.json").status_code, c.get("/healthz").status_code,
                 c.get("/readyz").status_code,
                 c.post("/api/v1/sites/nope/comments", data=b"{{}}", content_type="application/json").status_code]
        labels = c.get("/api/v1/openapi.json").get_json()
        print(json.dumps({{"codes": codes, "numpy": "numpy" in sys.modules, "scipy": "scipy" in sys.modules,
                          "openapi_mentions_labels": "severe_toxicity" in json.dumps(labels)}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"][0] == 200 and result["codes"][1] == 200 and result["codes"][3] == 404, result
    assert result["openapi_mentions_labels"], result
    assert not result["numpy"] and not result["scipy"], result


def test_registry_reexports_the_numpy_free_names():
    from models import names, registry

    assert registry.LABELS is names.LABELS and registry.bundled_artifact_dir is names.bundled_artifact_dir
    assert registry.ModelLoadError is names.ModelLoadError
    assert registry.bundled_artifact_dir().name == (names.ARTIFACTS_DIR / "CURRENT").read_text().strip()
