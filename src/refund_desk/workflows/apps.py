from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "refund_desk.workflows"
    label = "workflows"
    verbose_name = "Workflows"
