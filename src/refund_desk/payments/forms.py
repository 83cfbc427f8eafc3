"""Forms of the payments pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import Currency


class RefundRequestForm(forms.Form):
    seller_comment = forms.CharField(label=_("Comment for the buyer"), max_length=250, required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class ExportForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)


class PaymentSettingsForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    approval_threshold = forms.DecimalField(
        label=_("Approval needed above"), min_value=0, max_digits=14, decimal_places=2
    )
    debtor_name = forms.CharField(label=_("Payer name"), max_length=140, required=False)
    debtor_iban = forms.CharField(label=_("Payer IBAN"), max_length=42, required=False)
    debtor_bic = forms.CharField(label=_("Payer BIC"), max_length=11, required=False)
