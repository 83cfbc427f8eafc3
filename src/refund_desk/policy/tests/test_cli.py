"""`refund-desk policy ...`: JSON on stdout, exit code 2 with field paths for invalid input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cli import main
from refund_desk.policy.models import PolicyVersion
from refund_desk.policy.tests.builders import case, customer_return


def cli(*args: str) -> int:
    try:
        main(["refund-desk", "policy", *args])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_evaluate_prints_json(tmp_path: Path, capsys: Any) -> None:
    assert cli("evaluate", write(tmp_path, "case.json", case()), "--lang", "cs") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "AWAIT_RETURN"
    assert out["refund"]["total"] == {"amount": "212.99", "currency": "PLN"}
    assert out["deadlines"]["withdrawalEndsAt"] == "2025-03-17T23:59:59.999999+01:00"
    assert out["rules"][0]["explanation"].startswith("Objednávka")


def test_evaluate_with_policy_and_now(tmp_path: Path, capsys: Any) -> None:
    policy = write(tmp_path, "p.yaml", "version: v7\nwithdrawal:\n  periodDays: 30\n")
    late = case(return_data=customer_return(created_at="2025-03-25T12:00:00+01:00"))
    assert (
        cli("evaluate", write(tmp_path, "c.json", late), "--policy", policy, "--now", "2025-03-26T00:00:00Z")
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert (out["decision"], out["policyVersion"]) == ("AWAIT_RETURN", "v7")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"customerReturn": {}}, "order: Field required"),
        (case(return_data=customer_return([("offer-1", 9, "NONE")])), "customerReturn.items[0].quantity"),
        (case(delivered_at="not a date"), "deliveredAt"),
        ("{not json", "$: not valid JSON"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: Any, data: object, message: str
) -> None:
    assert cli("evaluate", write(tmp_path, "bad.json", data)) == 2
    assert message in capsys.readouterr().err


def test_invalid_policy_exits_2(tmp_path: Path, capsys: Any) -> None:
    policy = write(tmp_path, "p.yaml", "withdrawal:\n  periodDays: 10\n")
    assert cli("evaluate", write(tmp_path, "c.json", case()), "--policy", policy) == 2
    assert "withdrawal.periodDays" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_import_export_show_simulate(
    tmp_path: Path, capsys: Any, account: SellerAccount, stored_case: RefundCase
) -> None:
    policy = write(tmp_path, "p.yaml", "name: Fast\nwithdrawal:\n  refundTiming: IMMEDIATELY\n")
    assert cli("import", policy, "--account", "shop-one", "--marketplace", "allegro-pl") == 0
    assert PolicyVersion.objects.get().label == "shop-one/allegro-pl/v1"
    capsys.readouterr()
    assert cli("export", "--account", "shop-one", "--marketplace", "allegro-pl") == 0
    assert "refundTiming: IMMEDIATELY" in capsys.readouterr().out
    assert cli("show", "--account", "shop-one", "--marketplace", "allegro-pl") == 0
    assert "# active: shop-one/allegro-pl/v1" in capsys.readouterr().out
    statutory = write(tmp_path, "s.yaml", "name: Statutory\n")
    assert cli("simulate", "--policy", statutory, "--account", "shop-one", "--since", "2025-01-01") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["cases"] == 1
    assert report["moves"] == [{"from": "REFUND", "to": "AWAIT_RETURN", "cases": 1}]
    assert cli("simulate", "--policy", statutory, "--account", "nobody") == 2
