from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "refund_desk.messaging"
    label = "messaging"
    verbose_name = "Messaging"
