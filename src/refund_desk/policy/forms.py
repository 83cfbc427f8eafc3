"""Desk forms for editing a refund policy as YAML."""

from __future__ import annotations

import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

from refund_desk.core.errors import ValidationFailed
from refund_desk.policy.engine import Policy, policy_from_yaml


def yaml_fingerprint(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").strip().encode()).hexdigest()


class PolicyEditForm(forms.Form):
    yaml_text = forms.CharField(
        label=_("Policy (YAML)"),
        widget=forms.Textarea(attrs={"rows": 32, "cols": 100, "spellcheck": "false"}),
    )
    comment = forms.CharField(label=_("Why this change"), required=False, max_length=500)
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)

    parsed: Policy | None = None

    def clean_yaml_text(self) -> str:
        text: str = self.cleaned_data["yaml_text"].replace("\r\n", "\n")
        try:
            self.parsed = policy_from_yaml(text, version="proposed")
        except ValidationFailed as exc:
            raise forms.ValidationError([f"{path}: {message}" for path, message in exc.errors]) from exc
        return text

    @property
    def fingerprint(self) -> str:
        return yaml_fingerprint(self.cleaned_data.get("yaml_text", ""))

    @property
    def was_previewed(self) -> bool:
        return bool(self.cleaned_data.get("previewed")) and self.cleaned_data["previewed"] == self.fingerprint
