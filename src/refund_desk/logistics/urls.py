from django.urls import path

from refund_desk.logistics import views

app_name = "logistics"

urlpatterns = [
    path("parcels/<int:parcel_id>/issue/", views.parcel_issue, name="parcel_issue"),
    path("cases/<int:case_id>/track/", views.case_track, name="case_track"),
]
