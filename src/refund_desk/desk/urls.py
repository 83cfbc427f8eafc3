"""URLs of the staff desk, mounted at the site root."""

from django.urls import path

from refund_desk.desk import inspection, views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/transition/", views.case_transition_view, name="case_transition"),
    path("cases/<int:case_id>/notes/", views.case_note_view, name="case_note"),
    # Where warehouse staff bookmarked it when it was the logistics app's page.
    path("logistics/inspect/", inspection.inspect, name="inspect"),
]
