"""The ai app: buyer-comment understanding (and, later, risk models)."""

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "refund_desk.ai"
    label = "ai"
    verbose_name = "Automatic review"

    def ready(self) -> None:
        # The app's part of the case page and its four-eyes change; the modules need the app registry.
        from refund_desk.ai.panels import review_panel
        from refund_desk.ai.services.reviews import AUTOMATION_CHANGE, automation_change_apply
        from refund_desk.cases.access import require_account
        from refund_desk.core.changes import change_kind
        from refund_desk.core.panels import Panel, case_panels

        case_panels.register(Panel("review", "ai/_case_review.html", 40, review_panel))
        change_kind(AUTOMATION_CHANGE, automation_change_apply, account_check=require_account)
