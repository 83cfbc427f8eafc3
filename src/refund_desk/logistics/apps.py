from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "refund_desk.logistics"
    label = "logistics"
    verbose_name = "Logistics"
