from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "refund_desk.policy"
    label = "policy"
    verbose_name = "Refund policy"

    def ready(self) -> None:
        # The app's part of the case page and its four-eyes change; the modules need the app registry.
        from refund_desk.cases.access import require_account
        from refund_desk.core.changes import change_kind
        from refund_desk.core.panels import Panel, case_panels
        from refund_desk.policy.panels import evaluation_panel
        from refund_desk.policy.services import ACTIVATE_CHANGE, policy_activation_apply

        case_panels.register(Panel("evaluation", "policy/_case_evaluation.html", 10, evaluation_panel))
        change_kind(ACTIVATE_CHANGE, policy_activation_apply, account_check=require_account)
