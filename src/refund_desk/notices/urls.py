from django.urls import path

from refund_desk.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.wording_index, name="index"),
    path("<str:kind>/<str:lang>/", views.wording_edit, name="edit"),
]
