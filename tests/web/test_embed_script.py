"""The snippet's script stays small and loads on any page, with nothing else to fetch."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask.testing import FlaskClient

EMBED_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "embed.js"
LIMIT = 10 * 1024


def test_embed_js_stays_under_10_kb_gzipped() -> None:
    raw = EMBED_JS.read_bytes()
    assert len(gzip.compress(raw, compresslevel=9)) <= LIMIT


def test_embed_js_has_no_dependencies() -> None:
    code = re.sub(r"/\*.*?\*/", "", EMBED_JS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert not re.search(r"\bimport\b", code)
    assert "require(" not in code
    assert "http" not in code  # every request goes to the script's own origin


def test_embed_js_is_served_as_javascript(client: FlaskClient) -> None:
    response = client.get("/static/js/embed.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    response.close()
