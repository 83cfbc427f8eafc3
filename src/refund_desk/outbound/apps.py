from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "refund_desk.outbound"
    label = "outbound"
    verbose_name = "Decisions carried out on Allegro"

    def ready(self) -> None:
        # The app's part of the case page; the panel module needs the app registry.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.outbound.panels import commands_panel

        case_panels.register(Panel("outbound", "outbound/_case_commands.html", 25, commands_panel))
