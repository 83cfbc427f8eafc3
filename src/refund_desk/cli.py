"""The `refund-desk` console entry point: the project's manage.py."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command (`refund-desk --help` lists them)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "refund-desk"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
