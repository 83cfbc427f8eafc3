"""Refund Desk: handle Allegro buyer refund requests quickly, lawfully and fairly."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/refund-desk/refund-desk"
