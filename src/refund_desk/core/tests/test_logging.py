"""Each log line once, and refusals without a traceback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from refund_desk.core.logging import OneLineRefusals


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", (), sys.exc_info()
        )
    record.status_code = status
    return record


def test_a_refusal_is_one_line_and_a_server_error_keeps_its_traceback() -> None:
    refusal, error = _record(403), _record(500)
    assert OneLineRefusals().filter(refusal) and OneLineRefusals().filter(error)
    assert refusal.exc_info is None and "Traceback" not in logging.Formatter().format(refusal)
    assert error.exc_info is not None


def test_a_worker_log_line_is_printed_once() -> None:
    """The worker's logger is configured by the desk, so huey adds no second handler of its own."""
    script = (
        "import django, logging; django.setup();"
        "from huey.contrib.djhuey.management.commands import run_huey;"
        "logging.getLogger('huey').info('worker-line-marker')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "refund_desk.settings", "LOG_LEVEL": "INFO"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)  # noqa: S603
    assert done.stderr.count("worker-line-marker") == 1, done.stderr
