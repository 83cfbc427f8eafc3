from django.apps import AppConfig


class AllegroConfig(AppConfig):
    name = "refund_desk.integrations.allegro"
    label = "allegro"
    verbose_name = "Allegro integration"

    def ready(self) -> None:
        # The apps that reach Allegro declare what they need; this integration provides it.
        from refund_desk.integrations.allegro.documents import AllegroCaseDocuments
        from refund_desk.integrations.allegro.gateway import AllegroGateway
        from refund_desk.logistics.gateway import tracking_gateway
        from refund_desk.outbound.gateway import decision_gateway
        from refund_desk.payments.gateway import refund_gateway
        from refund_desk.policy.documents import case_documents

        refund_gateway.provide(AllegroGateway)
        tracking_gateway.provide(AllegroGateway)
        decision_gateway.provide(AllegroGateway)
        case_documents.provide(AllegroCaseDocuments)
