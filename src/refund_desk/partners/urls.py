from django.urls import path

from refund_desk.partners import views, views_admin

app_name = "partners"

urlpatterns = [
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/replay/", views.replay, name="replay"),
    path("issues/", views.issues_report, name="issues"),
    path("subscriptions/", views_admin.subscriptions, name="subscriptions"),
    path("subscriptions/new/", views_admin.subscription_create, name="subscription_create"),
    path("subscriptions/<int:subscription_id>/", views_admin.subscription_edit, name="subscription_edit"),
    path(
        "subscriptions/<int:subscription_id>/disable/",
        views_admin.subscription_disable,
        name="subscription_disable",
    ),
    path(
        "subscriptions/<int:subscription_id>/rotate/",
        views_admin.subscription_rotate,
        name="subscription_rotate",
    ),
    path("partners/", views_admin.partners, name="partners"),
    path("partners/new/", views_admin.partner_create, name="partner_create"),
    path("partners/<int:partner_id>/", views_admin.partner_edit, name="partner_edit"),
    path("partners/<int:partner_id>/rotate/", views_admin.partner_rotate, name="partner_rotate"),
]
