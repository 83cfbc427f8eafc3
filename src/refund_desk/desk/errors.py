"""Refusals as pages a person understands: in their language, saying why, with a way back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from refund_desk.core.permissions import READS, user_permissions


def _back(request: HttpRequest) -> str:
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return ""


def refusal_message(request: HttpRequest) -> str:
    held = user_permissions(getattr(request, "user", None))
    if not held:
        return _("Your account has no Refund Desk role. Ask an administrator to give you one.")
    if held <= READS:
        return _("Your role can read cases but not change them.")
    return _("Your role does not allow this. Ask a supervisor if you think it should.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: an htmx request gets the message shown in place (nothing else on the page changes)."""
    message = refusal_message(request)
    if getattr(request, "htmx", False):
        response = render(request, "desk/_refusal.html", {"message": message}, status=403)
        response["HX-Reswap"] = "none"
        return response
    return render(request, "403.html", {"message": message, "back": _back(request)}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"back": _back(request)}, status=404)
