from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "refund_desk.logistics"
    label = "logistics"
    verbose_name = "Logistics"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.logistics.panels import parcels_panel

        case_panels.register(Panel("parcels", "logistics/_case_parcels.html", 30, parcels_panel))
