"""Forms of the partner management pages (they only parse input; rules live in services.admin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.models import SellerAccount
from refund_desk.partners.choices import PartnerKind
from refund_desk.partners.models import Partner
from refund_desk.partners.services import KNOWN_EVENTS


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.CharField(
        label=_("Event types"),
        required=False,
        help_text=_("Comma-separated names or prefixes, e.g. %(examples)s. Empty: every event.")
        % {"examples": ", ".join(KNOWN_EVENTS)},
    )
    account = forms.ModelChoiceField(
        label=_("Seller account"),
        queryset=SellerAccount.objects.order_by("name"),
        required=False,
        empty_label=_("All accounts"),
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.order_by("name"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, accounts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts  # type: ignore[attr-defined]

    def event_list(self) -> list[str]:
        return [e.strip() for e in self.cleaned_data["events"].split(",") if e.strip()]


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(label=_("Slug (inbound URL)"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    carrier_id = forms.CharField(label=_("Allegro carrier id"), max_length=64, required=False)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Seller accounts"),
        queryset=SellerAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The partner's signed results may touch only the returns of these accounts."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = accounts  # type: ignore[attr-defined]

    def account_ids(self) -> list[int]:
        return [account.pk for account in self.cleaned_data["accounts"]]
