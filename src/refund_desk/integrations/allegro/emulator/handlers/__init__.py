"""The emulator's endpoint handlers, one mixin per API area; `EmulatorApp` inherits them all."""

from refund_desk.integrations.allegro.emulator.handlers.admin import AdminHandlers
from refund_desk.integrations.allegro.emulator.handlers.issues import IssuesHandlers
from refund_desk.integrations.allegro.emulator.handlers.messaging import MessagingHandlers
from refund_desk.integrations.allegro.emulator.handlers.orders import OrdersHandlers
from refund_desk.integrations.allegro.emulator.handlers.payments import PaymentsHandlers
from refund_desk.integrations.allegro.emulator.handlers.returns import ReturnsHandlers

__all__ = [
    "AdminHandlers",
    "IssuesHandlers",
    "MessagingHandlers",
    "OrdersHandlers",
    "PaymentsHandlers",
    "ReturnsHandlers",
]
