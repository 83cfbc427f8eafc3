"""The API's JSON parser, bounded: a body larger than API_MAX_BODY_BYTES is a 413 naming the limit, and
JSON nested deeper than API_MAX_JSON_DEPTH levels is a 400, before anything looks at the data."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def body_too_large() -> str:
    limit = int(settings.API_MAX_BODY_BYTES)
    return f"The request body is larger than {limit / (1024 * 1024):g} MiB (API_MAX_BODY_BYTES)."


def json_depth(value: Any) -> int:
    """How deeply `value` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = int(settings.API_MAX_BODY_BYTES)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(body_too_large())
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError as exc:
            raise exceptions.ParseError(self._too_deep()) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        if json_depth(data) > int(settings.API_MAX_JSON_DEPTH):
            raise exceptions.ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return f"JSON nested too deep (more than {settings.API_MAX_JSON_DEPTH} levels, API_MAX_JSON_DEPTH)"
