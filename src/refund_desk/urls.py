"""Top-level URL map: the staff desk, the REST API, the apps' pages, sign-in and the language switch.

There is no Django admin: people and their roles are managed on the desk's team page."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from refund_desk.api import webhooks
from refund_desk.core.permissions import public
from refund_desk.desk import errors

urlpatterns = [
    path("", include("refund_desk.desk.urls")),
    path("partners/inbound/<slug:slug>/", webhooks.inbound, name="partner_inbound"),
    path("api/", include("refund_desk.api.urls")),
    path("policy/", include("refund_desk.policy.urls")),
    path("payments/", include("refund_desk.payments.urls")),
    path("notices/", include("refund_desk.notices.urls")),
    path("logistics/", include("refund_desk.logistics.urls")),
    path("partners/", include("refund_desk.partners.urls")),
    path("ai/", include("refund_desk.ai.urls")),
    path("allegro/", include("refund_desk.integrations.allegro.urls")),
    path("accounts/login/", public(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", public(set_language), name="set_language"),
]

handler403 = errors.forbidden
handler404 = errors.not_found
