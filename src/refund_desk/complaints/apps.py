from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "refund_desk.complaints"
    label = "complaints"
    verbose_name = "Complaint remedies"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.complaints.panels import remedy_panel
        from refund_desk.core.panels import Panel, case_panels

        case_panels.register(Panel("remedy", "complaints/_case_remedy.html", 25, remedy_panel))
