"""Forms of the staff desk. They render labelled inputs and clean input; rules live in the cases services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import RETURN_REASON_TYPES, CaseKind, CaseStatus, Marketplace
from refund_desk.cases.models import SellerAccount
from refund_desk.desk.presenters import reason_label
from refund_desk.outbound.choices import REJECTION_REASON_MAX, ReturnRejectionCode

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
    attention = forms.BooleanField(label=_("Needs attention only"), required=False)

    def __init__(self, *args: Any, accounts: Any = None, **kwargs: Any) -> None:
        """`accounts`: the seller accounts the viewer works for (the only ones offered)."""
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if accounts is None:
            accounts = SellerAccount.objects.order_by("name")
        fields["status"].choices = _any(_("Any status")) + list(CaseStatus.choices)
        fields["kind"].choices = _any(_("Any kind")) + list(CaseKind.choices)
        fields["marketplace"].choices = _any(_("Any marketplace")) + list(Marketplace.choices)
        # A handful of rows: an installation connects a few seller accounts, not thousands.
        fields["account"].choices = _any(_("Any account")) + [
            (str(pk), name) for pk, name in accounts.values_list("pk", "name")
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


class RejectionForm(forms.Form):
    """A person's rejection: Allegro's code and the reason the buyer reads (checked again by the service)."""

    code = forms.ChoiceField(label=_("Allegro's rejection code"), choices=ReturnRejectionCode.choices)

    def __init__(self, *args: Any, codes: type[TextChoices] = ReturnRejectionCode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = codes.choices

    reason = forms.CharField(
        label=_("Reason, as the buyer will read it"),
        max_length=REJECTION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REJECTION_REASON_MAX}),
        help_text=_("1 to 250 characters; sent to Allegro with the rejection."),
    )


class AttentionCloseForm(forms.Form):
    reason = forms.CharField(label=_("Why close it"), max_length=NOTE_MAX_LENGTH, strip=True)


class TeamMemberForm(forms.Form):
    """A person's roles and the seller accounts they work for (and, for a new person, their login)."""

    username = forms.CharField(label=_("Login"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    password = forms.CharField(
        label=_("First password"),
        required=False,
        min_length=12,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to have one generated; it is shown once."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    all_accounts = forms.BooleanField(label=_("Every seller account, also future ones"), required=False)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Seller accounts"),
        queryset=SellerAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("May sign in"), required=False, initial=True)

    def __init__(self, *args: Any, accounts: Any, roles: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["roles"].choices = roles  # type: ignore[attr-defined]

    def account_ids(self) -> list[int] | None:
        if self.cleaned_data.get("all_accounts"):
            return None
        return [account.pk for account in self.cleaned_data.get("accounts") or []]
