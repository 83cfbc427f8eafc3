from django.apps import AppConfig


class AllegroConfig(AppConfig):
    name = "refund_desk.integrations.allegro"
    label = "allegro"
    verbose_name = "Allegro integration"
