from django.urls import path

from refund_desk.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/<int:case_id>/facts/", views.case_facts, name="case_facts"),
    path("<int:account_id>/<str:marketplace>/", views.detail, name="detail"),
    path("<int:account_id>/<str:marketplace>/edit/", views.edit, name="edit"),
    path("<int:account_id>/<str:marketplace>/export.yaml", views.export, name="export"),
    path("<int:account_id>/<str:marketplace>/v<int:number>/", views.version, name="version"),
]
