"""After-commit effects: a service says "once this transaction commits, run task X with these ids".

Tasks are registered under a name (`@task("payments.refund_execute")`) in each app's `tasks.py`; a
service names the task it wants instead of importing it (`run_after_commit("payments.refund_execute",
refund.pk)`), so no service imports a tasks module and no app imports another app's tasks. The names
resolve through this registry, which every process fills at start-up (`CoreConfig.ready` imports the
`tasks` module of every installed app, as the worker does). A name nobody registered is an error at the
call, not a silent no-op at commit.

Arguments are ids and other plain values: a task re-reads what it needs, so it is idempotent and safe to
run late or twice. Zulip's `send_event_on_commit` is the model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from huey.contrib.djhuey import db_task

# Huey's task wrapper: call it to queue, `.call_local()` to run in-process, `.schedule()` to delay.
Task = Any
# name -> registered task; tests may replace an entry to see what would be queued.
TASKS: dict[str, Task] = {}
# The functions that take a task name first (a test checks every name used in the code is registered).
CALLERS = frozenset({"run_after_commit", "queue", "task_named"})


class UnknownTask(LookupError):
    """No task is registered under the name a service asked for."""


def task(name: str, *, retries: int = 0, retry_delay: int = 0) -> Callable[[Callable[..., Any]], Task]:
    """Register a function as the background task `name` (a Huey task run by the worker)."""

    def register(function: Callable[..., Any]) -> Task:
        if name in TASKS:
            raise ValueError(f"a task named {name!r} is already registered")
        queued = db_task(retries=retries, retry_delay=retry_delay, name=name)(function)
        TASKS[name] = queued
        return queued

    return register


def task_named(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTask(f"no background task is registered as {name!r}") from None


def task_names() -> list[str]:
    return sorted(TASKS)


def run_after_commit(name: str, *args: Any) -> None:
    """Queue the task `name` with `args` once the surrounding transaction commits (at once without one).

    A rolled-back transaction queues nothing.
    """
    queued = task_named(name)
    transaction.on_commit(partial(queued, *args))


def queue(name: str, *args: Any) -> None:
    """Queue the task `name` with `args` now: for a request that writes nothing the task must wait for."""
    task_named(name)(*args)
