"""Enumerations of the messaging app."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class AuthorRole(TextChoices):
    BUYER = "BUYER", _("Buyer")
    SELLER = "SELLER", _("Seller")
