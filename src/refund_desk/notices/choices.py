"""What a notice to the buyer tells, and the way it reaches them."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class NoticeKind(TextChoices):
    REFUND = "REFUND", _("Refund approved")
    AWAIT_RETURN = "AWAIT_RETURN", _("Approved, refund once the goods are back")
    PARTIAL_REFUND = "PARTIAL_REFUND", _("Partial refund")
    REJECTED = "REJECTED", _("Rejected")
    REMEDY = "REMEDY", _("Complaint accepted: repair or replacement")
    REMEDY_SENT = "REMEDY_SENT", _("Repaired or replaced item sent back")


# Decisions that go against the buyer: their notice must say how to contest it and where to turn.
ADVERSE_KINDS = frozenset({NoticeKind.PARTIAL_REFUND, NoticeKind.REJECTED})


class NoticeChannel(TextChoices):
    ISSUE_CHAT = "ISSUE_CHAT", _("Issue chat on Allegro")
    THREAD_REPLY = "THREAD_REPLY", _("Reply in the buyer's Message Center thread")
    NEW_MESSAGE = "NEW_MESSAGE", _("Message Center message about the order")
    NONE = "NONE", _("Not sent: the case has no Allegro conversation")


class NoticeLanguage(TextChoices):
    PL = "pl", "polski"
    CS = "cs", "čeština"
    SK = "sk", "slovenčina"
    HU = "hu", "magyar"
    EN = "en", "English"
