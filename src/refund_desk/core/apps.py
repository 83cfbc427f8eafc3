from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "refund_desk.core"
    label = "core"
    verbose_name = "Core"
