from django.urls import path

from refund_desk.integrations.allegro import views

app_name = "allegro"

urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("accounts/<int:account_id>/sync/", views.sync_now, name="sync"),
]
