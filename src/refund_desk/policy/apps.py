from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "refund_desk.policy"
    label = "policy"
    verbose_name = "Refund policy"

    def ready(self) -> None:
        # The app's part of the case page; its module needs the app registry ready.
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.policy.panels import evaluation_panel

        case_panels.register(Panel("evaluation", "policy/_case_evaluation.html", 10, evaluation_panel))
