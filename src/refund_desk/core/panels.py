"""Panels: the parts a page is composed of, each declared by the app that owns what it shows.

An app registers its panel for a page in its `AppConfig.ready` (`case_panels.register(Panel(...))`):
a template of its own and a function that builds the template's context from the page's object, reading
what the panel shows through the app's selectors in a fixed number of queries. The page renders every
registered panel in order. So the page knows no other app's templates or models, templates get plain
values rather than walking the ORM, and an app adds a panel without touching the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

logger = logging.getLogger("refund_desk.panels")
PanelContext = Callable[[Any, HttpRequest], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Panel:
    """One part of a page: `context(obj, request)` gives its template what it shows."""

    name: str
    template: str
    order: int
    context: PanelContext

    def render(self, obj: Any, request: HttpRequest, *, name: str = "case", **extra: Any) -> SafeString:
        """The panel's HTML for `obj` (`extra`: e.g. a form with errors the panel should show again)."""
        context = {name: obj, **self.context(obj, request), **extra}
        return mark_safe(render_to_string(self.template, context, request=request))  # noqa: S308


class PanelRegistry:
    """The panels of one kind of page, by name; registering a name again replaces its panel."""

    def __init__(self, page: str) -> None:
        self.page = page
        self._panels: dict[str, Panel] = {}

    def register(self, panel: Panel) -> Panel:
        self._panels[panel.name] = panel
        return panel

    def get(self, name: str) -> Panel:
        return self._panels[name]

    def panels(self) -> list[Panel]:
        return sorted(self._panels.values(), key=lambda panel: (panel.order, panel.name))

    def render_all(
        self, obj: Any, request: HttpRequest, *, on_error: Callable[[Panel, Exception], None] | None = None
    ) -> list[SafeString]:
        """Every panel's HTML. A panel that fails shows a short notice instead and the rest of the page
        renders; `on_error` hears of it (the case page sets the case aside)."""
        rendered = []
        for panel in self.panels():
            try:
                rendered.append(panel.render(obj, request))
            except Exception as exc:  # one panel's failure must not take the page down
                logger.exception("panel %s of %s %s failed", panel.name, self.page, getattr(obj, "pk", obj))
                if on_error is not None:
                    on_error(panel, exc)
                rendered.append(
                    format_html(
                        '<section class="panel panel-failed" role="status"><p>{}</p></section>',
                        _("This part of the page could not be shown (%(panel)s); the case is set aside for a "
                          "person to look at.") % {"panel": panel.name},
                    )
                )  # fmt: skip
        return rendered


# The case page: policy decision, refunds, return parcels, automatic review, buyer messages.
case_panels = PanelRegistry("case")
