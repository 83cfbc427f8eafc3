"""`refund-desk emulator buyer-view LOGIN` and `/__emulator/buyers/LOGIN`: what Allegro shows one buyer."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from refund_desk.integrations.allegro.emulator import build_app


def test_the_buyer_view_lists_the_buyers_returns_in_text_json_and_over_http(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite3"
    app = build_app(db, seed=3, speed=0, device_interval=0)
    app.scenario.seed_returns(5)
    with app.store.tx() as conn:
        row = conn.execute("SELECT body FROM returns ORDER BY seq LIMIT 1").fetchone()
    first = json.loads(row["body"])
    login = first["buyer"]["login"]
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator.test") as client:
        over_http = client.get(f"/__emulator/buyers/{login}").json()
    app.store.close()

    out = StringIO()
    call_command("emulator", "buyer-view", login, "--json", "--db", str(db), stdout=out)
    view = json.loads(out.getvalue())
    assert view == over_http and view["login"] == login
    assert first["id"] in {r["id"] for r in view["returns"]}
    assert all(r["orderId"] for r in view["returns"])

    text = StringIO()
    call_command("emulator", "buyer-view", login, "--db", str(db), stdout=text)
    assert f"What Allegro shows {login}:" in text.getvalue() and "customer returns:" in text.getvalue()

    nobody = StringIO()
    call_command("emulator", "buyer-view", "nobody-here", "--json", "--db", str(db), stdout=nobody)
    assert json.loads(nobody.getvalue())["returns"] == []


def test_the_buyer_view_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no emulator database"):
        call_command("emulator", "buyer-view", "x", "--db", str(tmp_path / "none.sqlite3"))
