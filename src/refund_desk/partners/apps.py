from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "refund_desk.partners"
    label = "partners"
    verbose_name = "Partners"
