from django.urls import path

from refund_desk.payments import views

app_name = "payments"

urlpatterns = [
    path("cases/<int:case_id>/refund-outside/", views.refund_outside, name="refund_outside"),
    path("approvals/", views.approvals, name="approvals"),
    path("refunds/<int:refund_id>/approve/", views.approve, name="approve"),
    path("refunds/<int:refund_id>/decline/", views.decline, name="decline"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/export/", views.transfers_export, name="transfers_export"),
    path("transfers/<int:batch_id>/download/", views.transfer_download, name="transfer_download"),
    path("transfers/<int:batch_id>/confirm/", views.transfer_confirm, name="transfer_confirm"),
    path("commission/", views.commission, name="commission"),
    path("settings/", views.payment_settings, name="settings"),
    path("settings/<int:account_id>/", views.payment_settings_save, name="settings_save"),
]
