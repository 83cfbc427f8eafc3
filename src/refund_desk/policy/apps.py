from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "refund_desk.policy"
    label = "policy"
    verbose_name = "Refund policy"
