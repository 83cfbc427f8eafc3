from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "refund_desk.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.messaging.panels import messages_panel

        case_panels.register(Panel("messages", "messaging/_case_messages.html", 50, messages_panel))
