"""After-commit effects: tasks are named, queued only when the transaction commits, and every name used
in production resolves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from refund_desk.core import effects

pytestmark = pytest.mark.django_db

SRC = Path(effects.__file__).resolve().parents[1]


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    calls: list[tuple[object, ...]] = []
    monkeypatch.setitem(effects.TASKS, "test.record", lambda *args: calls.append(args))
    return calls


def test_a_task_named_after_commit_runs_once_the_transaction_commits(
    seen: list[tuple[object, ...]], django_capture_on_commit_callbacks: object
) -> None:
    capture = django_capture_on_commit_callbacks(execute=True)  # type: ignore[operator]
    with capture as callbacks, transaction.atomic():
        effects.run_after_commit("test.record", 7, [1, 2])
        assert seen == []  # not while the transaction is open
    assert seen == [(7, [1, 2])]
    assert len(callbacks) == 1


def test_a_rolled_back_transaction_queues_nothing(
    seen: list[tuple[object, ...]], django_capture_on_commit_callbacks: object
) -> None:
    capture = django_capture_on_commit_callbacks(execute=True)  # type: ignore[operator]
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        effects.run_after_commit("test.record", 1)
        raise RuntimeError("rolled back")
    assert seen == []


def test_an_unknown_name_fails_at_the_call_not_silently_at_commit() -> None:
    with pytest.raises(effects.UnknownTask, match=r"no background task is registered as 'payments\.typo'"):
        effects.run_after_commit("payments.typo", 1)
    with pytest.raises(effects.UnknownTask):
        effects.queue("payments.typo", 1)


def test_a_name_can_be_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        effects.task("payments.refund_execute")(lambda refund_id: None)


def _named_in_production() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in effects.CALLERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(str(node.args[0].value))
    return names


def test_every_task_the_code_names_is_registered_in_every_process() -> None:
    """CoreConfig.ready imported every app's tasks module, so each name in the code resolves."""
    named = _named_in_production()
    assert {"payments.refund_execute", "partners.webhook_deliver", "workflows.review_cases"} <= named
    assert named <= set(effects.task_names())
