from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "refund_desk.cases"
    label = "cases"
    verbose_name = "Refund cases"
