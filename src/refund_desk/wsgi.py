"""WSGI entry point used by `refund-desk serve` and any production WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")

application = get_wsgi_application()
