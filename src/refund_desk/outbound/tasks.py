"""Background work of the outbound app: commands are sent here, after commit, never in a request."""

from __future__ import annotations

import logging

from django.utils import timezone

from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic
from refund_desk.outbound import services
from refund_desk.outbound.choices import CommandStatus
from refund_desk.outbound.models import Command

logger = logging.getLogger("refund_desk.outbound")


@task("outbound.command_execute")
def command_execute_task(command_id: int) -> None:
    if not Command.objects.filter(
        pk=command_id
    ).exists():  # its decision was rolled back, or a queue left over
        logger.info("command %s does not exist; nothing to send", command_id)
        return
    command = services.command_execute(command_id=command_id)
    if command.status == CommandStatus.PENDING and command.locked_until is None:
        delay = max(1, int((command.next_attempt_at - timezone.now()).total_seconds()))
        command_execute_task.schedule((command_id,), delay=min(delay, 3600))


@periodic("outbound.commands_run")
def commands_run_task() -> None:
    services.commands_run_due()
