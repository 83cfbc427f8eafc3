from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "refund_desk.demo"
    label = "demo"
    verbose_name = "Demo data"
