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
