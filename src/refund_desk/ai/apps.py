"""The ai app: buyer-comment understanding (and, later, risk models)."""

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "refund_desk.ai"
    label = "ai"
    verbose_name = "Automatic review"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.ai.panels import review_panel
        from refund_desk.core.panels import Panel, case_panels

        case_panels.register(Panel("review", "ai/_case_review.html", 40, review_panel))
