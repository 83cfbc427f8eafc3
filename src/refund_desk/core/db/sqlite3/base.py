"""Django's SQLite backend, reading a decimal that overflows its column as the value it is.

PostgreSQL refuses a `numeric(14, 2)` value that does not fit; SQLite stores whatever it is given. Django's
SQLite converter then raises `decimal.InvalidOperation` when it reads such a value, so one row written behind
the desk's back (an older version, a hand edit, a restore) would fail every query that touches it: the queue,
the case list, every batch task. This backend reads it as it is, so the row can be found by the desk's
health scan and set aside as "needs attention" (see `refund_desk.workflows.attention`), and the rest works.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def get_decimalfield_converter(self, expression: Any) -> Callable[..., Any]:
        strict = super().get_decimalfield_converter(expression)
        create_decimal = decimal.Context(prec=15).create_decimal_from_float

        def converter(value: Any, expression: Any, connection: Any) -> Any:
            try:
                return strict(value, expression, connection)
            except decimal.InvalidOperation:
                return create_decimal(value)

        return converter


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
