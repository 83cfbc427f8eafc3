"""The live demo: the Allegro emulator, the background worker and the desk, started together.

The emulator plays a seller's marketplace (orders, returns, parcels, complaints), a demo seller account is
connected to it with emulator-issued tokens, the worker syncs it every minute, and the desk is served in
the foreground. Ctrl+C stops all three.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from refund_desk.cases.choices import AccountEnvironment
from refund_desk.cases.models import SellerAccount
from refund_desk.integrations.allegro.services import account_connect, token_pair_from_cli

LIVE_ACCOUNT = "emulator-shop"
DEFAULT_EMULATOR_ARGS = ["--seed", "7", "--speed", "600", "--initial-returns", "120"]


@dataclass(frozen=True, slots=True)
class LiveDemo:
    emulator_url: str
    account: SellerAccount


def _refund_desk(*args: str) -> list[str]:
    return [sys.executable, "-m", "refund_desk.cli", *args]


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(_refund_desk(*args))  # noqa: S603 - our own CLI with parsed arguments


def emulator_start(*, port: int, extra_args: str) -> subprocess.Popen[bytes]:
    """Start the emulator; EMULATOR_ARGS given by the user come last, so they override the defaults."""
    return _spawn("emulator", "--port", str(port), *DEFAULT_EMULATOR_ARGS, *shlex.split(extra_args))


def emulator_wait(url: str, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/__emulator/stats", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Allegro emulator did not answer at {url} within {timeout:.0f} s")


def live_account_connect(url: str) -> SellerAccount:
    """Connect (or reconnect) the demo seller account with a fresh token pair from the emulator."""
    pair = httpx.post(f"{url}/__emulator/tokens", json={}, timeout=10.0).raise_for_status().json()
    return account_connect(
        name=LIVE_ACCOUNT,
        environment=AccountEnvironment.EMULATOR,
        api_url=url,
        tokens=token_pair_from_cli(
            access_token=pair["access_token"],
            refresh_token=pair.get("refresh_token", ""),
            expires_in=int(pair.get("expires_in", 43199)),
        ),
    )


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_live_demo(
    *, host: str, port: int, emulator_port: int, emulator_args: str, say: Callable[[str], None]
) -> None:
    url = f"http://127.0.0.1:{emulator_port}"
    children: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _stop)  # a terminated demo stops its children too
    try:
        say(f"Starting the Allegro emulator on {url} ...")
        children.append(emulator_start(port=emulator_port, extra_args=emulator_args))
        emulator_wait(url)
        account = live_account_connect(url)
        say(f"Seller account '{account.name}' connected to the emulator.")
        say("Starting the background worker (syncs Allegro every minute) ...")
        children.append(_spawn("run_huey"))
        children.append(_spawn("allegro", "sync", "--once", "--account", account.name))
        say(f"Refund Desk: http://{host}:{port}/")
        subprocess.run(_refund_desk("serve", "--host", host, "--port", str(port)), check=False)  # noqa: S603
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
