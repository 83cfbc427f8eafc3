"""One case's share of a batch job, isolated: if its data breaks the job, the case is set aside and the
job goes on with the next one (a page, a list or a periodic task never stops for one bad row)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DataError, transaction
from pydantic import ValidationError

from refund_desk.cases.actors import Actor
from refund_desk.cases.services import case_attention_flag
from refund_desk.core.errors import DomainError

logger = logging.getLogger("refund_desk.cases")

# What a stored value that no longer makes sense raises. Not here: business refusals (DomainError) and
# what a retry may cure (a lost connection, a timeout, Allegro's 5xx): those go up to the job as before.
DATA_ERRORS: tuple[type[Exception], ...] = (
    ArithmeticError,  # decimal.InvalidOperation, overflow, division by zero
    LookupError,
    TypeError,
    ValueError,  # pydantic's ValidationError among them
    DataError,  # the database refused a value
)


def data_error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return f"stored data does not validate ({exc.error_count()} errors): {exc.errors()[0]['msg']}"
    text = str(exc).strip() or "no message"
    return f"{type(exc).__name__}: {text}"


@contextmanager
def case_isolated(case_id: int, *, job: str, atomic: bool = True) -> Iterator[None]:
    """Run the block for one case in a savepoint; a data error rolls back the block, sets the case aside as
    needing attention (with the error, an event and an alert) and is not raised further.

    `atomic=False` for a block that commits on its own (a payment that records its lease before calling
    Allegro): no savepoint around it, the rest as above.
    """
    try:
        if atomic:
            with transaction.atomic():
                yield
        else:
            yield
    except DomainError:
        raise
    except DATA_ERRORS as exc:
        logger.warning("%s: case %s set aside: %s", job, case_id, data_error_text(exc), exc_info=True)
        case_attention_flag(case_id=case_id, error=f"{job}: {data_error_text(exc)}", actor=Actor.system(job))
