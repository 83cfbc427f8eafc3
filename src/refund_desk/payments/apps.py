from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "refund_desk.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.payments.panels import refunds_panel

        case_panels.register(Panel("refunds", "payments/_case_refunds.html", 20, refunds_panel))
