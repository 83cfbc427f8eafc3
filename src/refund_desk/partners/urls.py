from django.urls import path

from refund_desk.partners import views

app_name = "partners"

urlpatterns = [
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/replay/", views.replay, name="replay"),
    path("issues/", views.issues_report, name="issues"),
    path("inbound/<slug:slug>/", views.inbound, name="inbound"),
]
