from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "refund_desk.desk"
    label = "desk"
    verbose_name = "Staff desk"
