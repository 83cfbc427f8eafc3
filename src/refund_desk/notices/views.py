"""The notice wording pages: every kind of notice in every language, its current version and history;
supervisors write a new version (checked: known placeholders only, the buyer's rights kept)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from refund_desk.cases.actors import Actor
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.notices.choices import NoticeKind, NoticeLanguage
from refund_desk.notices.selectors import template_current, template_versions
from refund_desk.notices.services import notice_template_save
from refund_desk.notices.texts import PLACEHOLDERS, REQUIRED, TEMPLATES


@permission_required(Perm.POLICY_READ)
@require_GET
def wording_index(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "kind": kind,
            "cells": [
                {"lang": lang, "version": template_current(kind.value, lang.value).version}
                for lang in NoticeLanguage
            ],
        }
        for kind in NoticeKind
    ]
    return render(request, "notices/index.html", {"rows": rows, "languages": list(NoticeLanguage)})


@permission_required(Perm.POLICY_READ, write=Perm.NOTICES_EDIT)
@require_http_methods(["GET", "POST"])
def wording_edit(request: HttpRequest, kind: str, lang: str) -> HttpResponse:
    if kind not in NoticeKind.values or lang not in NoticeLanguage.values:
        raise Http404(_("No such notice."))
    errors: list[str] = []
    body = template_current(kind, lang).body
    if request.method == "POST":
        body = request.POST.get("body", "")
        if "restore" in request.POST:
            body = TEMPLATES[kind][lang]
        try:
            saved = notice_template_save(kind=kind, lang=lang, body=body, actor=Actor.for_user(request.user))
        except ValidationFailed as exc:
            errors = [message for _field, message in exc.errors]
        else:
            messages.success(
                request, _("Version %(version)s saved; new notices use it.") % {"version": saved.version}
            )
            return HttpResponseRedirect(reverse("notices:edit", args=[kind, lang]), status=303)
    context = {
        "kind": NoticeKind(kind),
        "lang": NoticeLanguage(lang),
        "current": template_current(kind, lang),
        "body": body,
        "errors": errors,
        "versions": list(template_versions(kind, lang)[:20]),
        "placeholders": [(name, meaning, name in REQUIRED[kind]) for name, meaning in PLACEHOLDERS.items()],
        "may_edit": has_perm(request.user, Perm.NOTICES_EDIT),
    }
    return render(request, "notices/edit.html", context, status=422 if errors else 200)
