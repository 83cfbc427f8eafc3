from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "refund_desk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Every process knows every task by name (core.effects), not only the worker.
        autodiscover_modules("tasks")
