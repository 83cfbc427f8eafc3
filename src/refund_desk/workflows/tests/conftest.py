"""Shared fixtures of this issue's apps (seller account with an immediate-refund policy, fake Allegro)."""

from refund_desk.payments.tests.conftest import account, agent, fake, supervisor

__all__ = ["account", "agent", "fake", "supervisor"]
