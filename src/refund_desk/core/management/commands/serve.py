"""`refund-desk serve`: run the desk with a production WSGI server (waitress)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.core.wsgi import get_wsgi_application
from waitress import serve


class Command(BaseCommand):
    help = "Serve Refund Desk (desk, API, static files) with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        application = get_wsgi_application()
        self.stdout.write(f"Refund Desk listening on http://{options['host']}:{options['port']}/")
        serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="")
