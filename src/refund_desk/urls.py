"""Top-level URL map: the staff desk, the REST API and Django's auth and admin pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from refund_desk.api import webhooks

urlpatterns = [
    path("", include("refund_desk.desk.urls")),
    path("partners/inbound/<slug:slug>/", webhooks.inbound, name="partner_inbound"),
    path("api/", include("refund_desk.api.urls")),
    path("policy/", include("refund_desk.policy.urls")),
    path("payments/", include("refund_desk.payments.urls")),
    path("logistics/", include("refund_desk.logistics.urls")),
    path("partners/", include("refund_desk.partners.urls")),
    path("ai/", include("refund_desk.ai.urls")),
    path("allegro/", include("refund_desk.integrations.allegro.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
