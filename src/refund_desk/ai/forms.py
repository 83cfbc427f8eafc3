"""Forms of the ai app: an account's automation mode and risk threshold, and an agent's correction of how
a buyer's comment was understood."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from refund_desk.ai.choices import FLAG_LABELS, REASONS, TEXT_FLAGS
from refund_desk.ai.models import AutomationMode


class AutomationForm(forms.Form):
    """Mode off/shadow/live and an optional risk threshold (empty: the model's own)."""

    mode = forms.ChoiceField(label=_("Mode"), choices=AutomationMode.choices)
    risk_threshold = forms.FloatField(
        label=_("Risk threshold"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=_("Requests scoring below it may be approved automatically; empty uses the model's."),
        widget=forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
    )


class CommentCorrectionForm(forms.Form):
    """The reason type and text flags an agent says the buyer's comment expresses.

    The template renders the fields by hand (reason labels come from the desk's wording).
    """

    reason = forms.ChoiceField(label=_("Reason type"), choices=[(code, code) for code in REASONS])
    flags = forms.MultipleChoiceField(
        label=_("Flags"),
        required=False,
        choices=[(code, FLAG_LABELS[code]) for code in TEXT_FLAGS],
        widget=forms.CheckboxSelectMultiple,
    )
