"""Forms of the staff desk. They render labelled inputs and clean input; rules live in the cases services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import RETURN_REASON_TYPES, CaseKind, CaseStatus, Marketplace
from refund_desk.cases.models import SellerAccount
from refund_desk.desk.presenters import reason_label

NOTE_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 1000


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class QueueFilterForm(forms.Form):
    """The queue's filter bar. Parsing for the query itself is QueueFilters.from_params."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Buyer login (start of it), order id or return reference"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    marketplace = forms.ChoiceField(label=_("Marketplace"), required=False)
    account = forms.ChoiceField(label=_("Seller account"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    open = forms.BooleanField(label=_("Open cases only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["status"].choices = _any(_("Any status")) + list(CaseStatus.choices)
        fields["kind"].choices = _any(_("Any kind")) + list(CaseKind.choices)
        fields["marketplace"].choices = _any(_("Any marketplace")) + list(Marketplace.choices)
        # A handful of rows: an installation connects a few seller accounts, not thousands.
        fields["account"].choices = _any(_("Any account")) + [
            (str(pk), name) for pk, name in SellerAccount.objects.order_by("name").values_list("pk", "name")
        ]
        fields["reason"].choices = _any(_("Any reason")) + [
            (code, reason_label(code)) for code in RETURN_REASON_TYPES
        ]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    reason = forms.CharField(
        label=_("Reason (optional, saved in the timeline)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("A note cannot be empty.")},
    )
