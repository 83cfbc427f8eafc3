"""The ai app: buyer-comment understanding (and, later, risk models)."""

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "refund_desk.ai"
    label = "ai"
    verbose_name = "Automatic review"
