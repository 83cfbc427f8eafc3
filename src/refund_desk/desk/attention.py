"""The two ways out for a case set aside as "needs attention": re-read it from Allegro, or close it."""

from __future__ import annotations

import httpx
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.actors import Actor
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.desk.forms import AttentionCloseForm
from refund_desk.desk.views import load_case
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.refresh import case_reread
from refund_desk.workflows.attention import case_attention_close


def _back(case_id: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("desk:case", args=[case_id]), status=303)


@permission_required(Perm.CASE_WORK)
@require_POST
def case_reread_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Fetch the case from Allegro again and write it over what is stored."""
    case = load_case(request, case_id)
    try:
        case_reread(case=case, actor=Actor.for_user(request.user))
    except ValidationFailed as exc:
        problems = "; ".join(f"{path}: {message}" for path, message in exc.errors)
        messages.error(
            request, _("Allegro's answer does not validate either: %(problems)s") % {"problems": problems}
        )
    except (AllegroError, httpx.HTTPError) as exc:
        messages.error(request, _("Allegro could not be read: %(error)s") % {"error": exc})
    except DomainError as exc:
        messages.error(request, _("The case was not re-read: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("The case was re-read from Allegro."))
    return _back(case_id)


@permission_required(Perm.CASE_WORK)
@require_POST
def case_attention_close_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close a case set aside, with a reason (nothing is paid and Allegro is not told)."""
    case = load_case(request, case_id)
    form = AttentionCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the case is closed."))
        return _back(case_id)
    try:
        case_attention_close(
            case=case, actor=Actor.for_user(request.user), reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, _("The case was not closed: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("The case was closed."))
    return _back(case_id)
