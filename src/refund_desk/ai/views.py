"""Desk pages of the ai app: the risk model card with its versions, and the shadow-mode agreement report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from refund_desk.ai import selectors
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk import training
from refund_desk.core.roles import Role, has_role


def _require_viewer(request: HttpRequest) -> None:
    if not (has_role(request.user, Role.SUPERVISOR) or has_role(request.user, Role.AUDITOR)):
        raise PermissionDenied


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    version = risk_model.current_version()
    card = training.load_card(version) if version else None
    return render(
        request,
        "ai/index.html",
        {
            "card": card,
            "versions": training.versions_with_cards(),
            "agreement": selectors.shadow_agreement(),
        },
    )


@login_required
def shadow(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    report = selectors.shadow_agreement()
    return render(
        request,
        "ai/shadow.html",
        {
            "report": report,
            "matrix": sorted(report.matrix.items()),
            "per_account": sorted(report.per_account.items()),
        },
    )
