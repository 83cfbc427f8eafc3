"""URLs of the staff desk, mounted at the site root."""

from django.urls import path

from refund_desk.desk import attention, changes, complaints, inspection, refunds, rejection, team, views

app_name = "desk"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/transition/", views.case_transition_view, name="case_transition"),
    path("cases/<int:case_id>/notes/", views.case_note_view, name="case_note"),
    path("cases/<int:case_id>/reject/", rejection.case_reject_view, name="case_reject"),
    path("cases/<int:case_id>/refund/", refunds.case_refund_view, name="case_refund"),
    path("cases/<int:case_id>/accept/", complaints.case_accept_view, name="case_accept"),
    path("cases/<int:case_id>/remedy/received/", complaints.remedy_received_view, name="remedy_received"),
    path("cases/<int:case_id>/remedy/sent/", complaints.remedy_sent_view, name="remedy_sent"),
    path("cases/<int:case_id>/reread/", attention.case_reread_view, name="case_reread"),
    path("cases/<int:case_id>/close/", attention.case_attention_close_view, name="case_attention_close"),
    # Where warehouse staff bookmarked it when it was the logistics app's page.
    path("logistics/inspect/", inspection.inspect, name="inspect"),
    path("team/", team.team, name="team"),
    path("team/new/", team.team_new, name="team_new"),
    path("team/<int:user_id>/", team.team_member, name="team_member"),
    path("team/<int:user_id>/token/", team.team_token_reset, name="team_token"),
    path("changes/", changes.changes, name="changes"),
    path("changes/<int:change_id>/confirm/", changes.change_confirm_view, name="change_confirm"),
    path("changes/<int:change_id>/decline/", changes.change_decline_view, name="change_decline"),
]
