from django.urls import path

from refund_desk.ai import views

app_name = "ai"

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/<int:account_id>/automation/", views.automation_set, name="automation"),
    path("shadow/", views.shadow, name="shadow"),
    path("cases/<int:case_id>/comment/", views.case_comment_correct, name="case_comment"),
]
