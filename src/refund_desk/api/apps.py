from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "refund_desk.api"
    label = "api"
    verbose_name = "REST API"
