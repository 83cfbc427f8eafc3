from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "refund_desk.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The app's part of the case page and its four-eyes change; the modules need the app registry.
        from refund_desk.cases.access import require_account
        from refund_desk.core.changes import change_kind
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.payments.panels import refunds_panel
        from refund_desk.payments.services.settings import THRESHOLD_CHANGE, threshold_change_apply

        case_panels.register(Panel("refunds", "payments/_case_refunds.html", 20, refunds_panel))
        change_kind(THRESHOLD_CHANGE, threshold_change_apply, account_check=require_account)
