from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "refund_desk.payments"
    label = "payments"
    verbose_name = "Payments"
