"""Logging helpers: a refused request (a 4xx answer) is one line, never a traceback."""

from __future__ import annotations

import logging


class OneLineRefusals(logging.Filter):
    """Drop the traceback Django attaches to refused requests (403 PermissionDenied, 404, 400): a refusal
    is the desk working as intended, and a traceback per refusal buries the real errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
