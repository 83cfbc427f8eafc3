"""A local Allegro REST API emulator: the API shapes Refund Desk uses, a seeded marketplace, faults.

Plain Python (no Django models): the emulated marketplace lives in its own SQLite file so that it
survives restarts. `build_app()` returns a WSGI application; `refund-desk emulator` serves it.
"""

from refund_desk.integrations.allegro.emulator.app import EmulatorApp, build_app
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.emulator.store import Store

__all__ = ["EmulatorApp", "FaultConfig", "Rates", "Store", "build_app"]
