"""API URLs: v1 resources, the OpenAPI schema and its interactive docs (local assets only)."""

from django.urls import include, path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView

from refund_desk.api import views
from refund_desk.api.comment_labels import CaseCommentLabelView
from refund_desk.api.complaints import CaseAcceptanceView
from refund_desk.api.inspections import InspectionCreateView
from refund_desk.api.problems import problem_types_markdown
from refund_desk.api.refunds import CaseRefundsView
from refund_desk.core.permissions import public

app_name = "api"

v1_patterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="auth-token"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/import/", views.CaseImportView.as_view(), name="case-import"),
    path("cases/<int:case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/events/", views.CaseEventsView.as_view(), name="case-events"),
    path("cases/<int:case_id>/transitions/", views.CaseTransitionView.as_view(), name="case-transitions"),
    path("cases/<int:case_id>/refunds/", CaseRefundsView.as_view(), name="case-refunds"),
    path("cases/<int:case_id>/acceptance/", CaseAcceptanceView.as_view(), name="case-acceptance"),
    path("cases/<int:case_id>/comment-labels/", CaseCommentLabelView.as_view(), name="case-comment-labels"),
    path("inspections/", InspectionCreateView.as_view(), name="inspections"),
]

schema_view = public(
    SpectacularAPIView.as_view(
        # JSON first: a plain GET returns the schema as JSON; ?format=yaml gives YAML.
        renderer_classes=[
            OpenApiJsonRenderer,
            OpenApiJsonRenderer2,
            OpenApiYamlRenderer,
            OpenApiYamlRenderer2,
        ],
        custom_settings={"DESCRIPTION": problem_types_markdown()},
    )
)

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"))),
    path("schema/", schema_view, name="schema"),
    path("docs/", views.LocalSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", views.LocalRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: any other path under /api/ gets a 404 problem rather than an HTML page (a path with a line
    # break in it too).
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view(), name="not-found"),
]
