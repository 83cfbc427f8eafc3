"""Writes of the notices app: a new version of a notice's wording, and a notice sent on a case."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import event_append
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, require
from refund_desk.notices.choices import NoticeChannel, NoticeKind, NoticeLanguage
from refund_desk.notices.models import Notice, NoticeTemplate
from refund_desk.notices.rendering import fill, template_errors
from refund_desk.notices.selectors import Route, notice_route, template_current
from refund_desk.outbound.models import Command
from refund_desk.outbound.services import command_enqueue


@transaction.atomic
def notice_template_save(*, kind: str, lang: str, body: str, actor: Actor) -> NoticeTemplate:
    """Add the next version of a notice's wording (supervisors). Raises ValidationFailed naming `body`."""
    require(actor, Perm.NOTICES_EDIT)
    if kind not in NoticeKind.values:
        raise ValidationFailed([("kind", f"one of {', '.join(NoticeKind.values)}")])
    if lang not in NoticeLanguage.values:
        raise ValidationFailed([("lang", f"one of {', '.join(NoticeLanguage.values)}")])
    errors = template_errors(kind, body)
    if errors:
        raise ValidationFailed([("body", message) for message in errors])
    # Lock the newest version so two supervisors saving at once get versions n+1 and n+2.
    newest = (
        NoticeTemplate.objects.select_for_update().filter(kind=kind, lang=lang).order_by("-version").first()
    )
    return NoticeTemplate.objects.create(
        kind=kind,
        lang=lang,
        version=(newest.version if newest else 0) + 1,
        body=body.strip().replace("\r\n", "\n"),
        created_by=actor.label,
    )


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A notice composed for a case, before a person (or automation) sends it."""

    kind: NoticeKind
    lang: str
    text: str
    template_version: int
    route: Route
    automated: bool

    @property
    def limit(self) -> int:
        return self.route.limit


def notice_compose(
    *, case: RefundCase, kind: NoticeKind, lang: str, values: dict[str, str], automated: bool
) -> NoticeDraft:
    """The notice's text from the current wording and the case's facts (`values`, by placeholder)."""
    wording = template_current(kind, lang)
    return NoticeDraft(
        kind=kind,
        lang=lang,
        text=fill(wording.body, values),
        template_version=wording.version,
        route=notice_route(case),
        automated=automated,
    )


def notice_text_errors(draft: NoticeDraft, text: str) -> list[tuple[str, str]]:
    """What is wrong with the text a person is about to send (empty: nothing)."""
    body = text.strip()
    if not body:
        return [("notice", "the buyer must be told: write the notice")]
    if len(body) > draft.limit:
        return [
            (
                "notice",
                f"at most {draft.limit} characters where it goes on Allegro "
                f"({draft.route.channel.label}); this has {len(body)}",
            )
        ]
    return []


@transaction.atomic
def notice_send(
    *,
    case: RefundCase,
    draft: NoticeDraft,
    actor: Actor,
    text: str | None = None,
    carried_by: Command | None = None,
) -> Notice:
    """Record the notice on the case and queue it for Allegro, in the decision's transaction.

    `text`: what a person made of the draft (default: the draft as it is). `carried_by`: a command that
    already carries the text (a claim decision's message); else a message command for the case's channel
    is queued, once per notice. Raises ValidationFailed naming `notice` for an empty or too long text.
    """
    body = (draft.text if text is None else text).strip().replace("\r\n", "\n")
    errors = notice_text_errors(draft, body)
    if errors:
        raise ValidationFailed(errors)
    channel = draft.route.channel
    command = carried_by
    if carried_by is not None:
        channel = NoticeChannel.ISSUE_CHAT
    elif draft.route.command_kind is not None:
        digest = hashlib.sha256(body.encode()).hexdigest()[:24]
        command = command_enqueue(
            case=case,
            kind=draft.route.command_kind,
            # The same text to the same case goes once, however often the decision is submitted.
            key=f"notice:{case.pk}:{digest}",
            payload={**draft.route.target, "text": body},
            actor=actor,
        )
        if Notice.objects.filter(command=command).exists():
            raise ValidationFailed([("notice", "the buyer was already sent exactly this notice")])
    notice = Notice.objects.create(
        case=case,
        kind=draft.kind,
        lang=draft.lang,
        channel=channel,
        text=body,
        template_version=draft.template_version,
        automated=draft.automated,
        edited=body != draft.text.strip(),
        sent_by=actor.label,
        command=command,
    )
    event_append(
        case=case,
        type=EventType.NOTICE,
        actor=actor,
        reason=f"{NoticeKind(draft.kind).label} — notice to the buyer ({draft.lang}), {channel.label}"
        + ("; drafted by the desk, edited by a person" if notice.edited else "; as drafted by the desk"),
        payload={"notice": notice.pk, "kind": draft.kind, "lang": draft.lang, "channel": channel},
    )
    return notice


@dataclass(frozen=True, slots=True)
class PendingNotice:
    """A notice confirmed with a decision that takes effect later (a refund waiting for a second
    person): kept with the decision and sent when it takes effect, through the channel valid then."""

    kind: str
    lang: str
    draft: str
    text: str
    template_version: int
    automated: bool

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "lang": self.lang,
            "draft": self.draft,
            "text": self.text,
            "templateVersion": self.template_version,
            "automated": self.automated,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PendingNotice:
        return cls(
            kind=str(data["kind"]),
            lang=str(data["lang"]),
            draft=str(data["draft"]),
            text=str(data["text"]),
            template_version=int(str(data["templateVersion"])),
            automated=bool(data["automated"]),
        )


def notice_hold(draft: NoticeDraft, text: str | None = None) -> PendingNotice:
    """The notice a person confirmed (default: the draft), checked now. Raises ValidationFailed naming
    `notice` for an empty or too long text."""
    body = (draft.text if text is None else text).strip().replace("\r\n", "\n")
    errors = notice_text_errors(draft, body)
    if errors:
        raise ValidationFailed(errors)
    return PendingNotice(
        kind=draft.kind,
        lang=draft.lang,
        draft=draft.text,
        text=body,
        template_version=draft.template_version,
        automated=draft.automated,
    )


def notice_send_pending(*, case: RefundCase, pending: PendingNotice, actor: Actor) -> Notice:
    """Send a held notice now (call inside the transaction in which its decision takes effect)."""
    draft = NoticeDraft(
        kind=NoticeKind(pending.kind),
        lang=pending.lang,
        text=pending.draft,
        template_version=pending.template_version,
        route=notice_route(case),
        automated=pending.automated,
    )
    return notice_send(case=case, draft=draft, actor=actor, text=pending.text)
