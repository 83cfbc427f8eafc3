from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "refund_desk.notices"
    label = "notices"
    verbose_name = "Notices to buyers"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.notices.panels import notices_panel

        case_panels.register(Panel("notices", "notices/_case_notices.html", 45, notices_panel))
