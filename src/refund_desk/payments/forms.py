"""Forms of the payments pages."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import Currency


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


class OutsideRefundForm(forms.Form):
    """A refund paid outside the desk: how much, when, and the payment's reference."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = forms.DateField(label=_("Paid on"))
    reference = forms.CharField(label=_("Payment reference"), max_length=100)

    def paid_at(self) -> datetime:
        """The day it was paid, at noon in the desk's time zone (the bank statement gives a day)."""
        day: date = self.cleaned_data["paid_on"]
        return timezone.make_aware(datetime.combine(day, time(12, 0)))
