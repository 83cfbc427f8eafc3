"""The live demo: the Allegro emulator, the background worker and the desk, started together.

The emulator plays a seller's marketplace (orders, returns, parcels, complaints), a demo seller account is
connected to it with emulator-issued tokens, the worker syncs it every minute, and the desk is served in
the foreground. Ctrl+C stops all three.

Before the worker starts, automatic review is made ready: the comment classifier and the risk model are
trained if DATA_DIR/models has none (first start only), the connected account gets a policy with
automatic-approval limits and live mode, and one static demo account shadow mode — unless someone already
chose their settings. Every new request is then reviewed by the worker seconds after the sync stores it.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from refund_desk.ai.bootstrap import models_ensure
from refund_desk.ai.models import AccountAutomation
from refund_desk.ai.services import account_automation_set
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import AccountEnvironment, CaseStatus, Marketplace
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.core.effects import task_named
from refund_desk.demo.loader import ACCOUNTS
from refund_desk.integrations.allegro.services import account_connect, token_pair_from_cli
from refund_desk.payments.models import AccountPaymentSettings
from refund_desk.payments.services import payment_settings_set
from refund_desk.policy.engine import policy_to_yaml
from refund_desk.policy.selectors import policy_get
from refund_desk.policy.services import policy_publish

LIVE_ACCOUNT = "emulator-shop"
SHADOW_ACCOUNT = ACCOUNTS[0]  # static demo cases: recommendations only, compared with agents' decisions
DEFAULT_EMULATOR_ARGS = ["--seed", "7", "--speed", "600", "--initial-returns", "120"]
DEMO_POLICY_DOCUMENT = {
    "name": "Emulator shop: automatic approval of small full refunds",
    "automaticApproval": {"maxAmountPerCase": {"PLN": "1500", "CZK": "9000", "EUR": "350", "HUF": "140000"}},
}
DEMO_ACTOR = Actor.system("demo")


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


# Thresholds low enough that a few emulator refunds wait for a supervisor in /payments/approvals/, high
# enough that most are paid straight away.
DEMO_APPROVAL_THRESHOLDS = {"PLN": "400", "CZK": "2500", "EUR": "100", "HUF": "40000"}


def demo_payments_prepare(
    account: SellerAccount, *, thresholds: dict[str, str] | None = None
) -> list[AccountPaymentSettings]:
    """Set demo approval thresholds on every currency of `account` (idempotent; see docs/payments.md)."""
    chosen = thresholds or DEMO_APPROVAL_THRESHOLDS
    return [
        payment_settings_set(account=account, currency=currency, approval_threshold=amount, actor=DEMO_ACTOR)
        for currency, amount in chosen.items()
    ]


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


def demo_policy_ensure(account: SellerAccount) -> list[str]:
    """Publish the demo policy on every marketplace where the account has none; the labels published."""

    published = []
    for marketplace in Marketplace.values:
        current = policy_get(account=account, marketplace=marketplace)
        if current is not None and current.active_version_id is not None:
            continue
        version = policy_publish(
            account=account,
            marketplace=marketplace,
            yaml_text=policy_to_yaml(DEMO_POLICY_DOCUMENT),
            actor=DEMO_ACTOR,
            comment="live demo: automatic approval within these limits",
        )
        published.append(version.label)
    return published


def demo_automation_ensure(account: SellerAccount) -> dict[str, str]:
    """Live mode for the connected account, shadow for one static account, unless already configured."""

    wanted = {account.name: "live", SHADOW_ACCOUNT: "shadow"}
    modes: dict[str, str] = {}
    for target in SellerAccount.objects.filter(name__in=wanted).order_by("pk"):
        existing = AccountAutomation.objects.filter(account=target).first()
        if existing is None:
            existing = account_automation_set(account=target, mode=wanted[target.name], actor=DEMO_ACTOR)
        modes[target.name] = str(existing.mode)
    return modes


def open_cases_review_queue(account_names: list[str]) -> int:
    """Queue a review of the open requests of these accounts that no model reviewed yet (idempotent)."""
    review_cases = task_named("workflows.review_cases")
    ids = list(
        RefundCase.objects.filter(
            account__name__in=account_names,
            status__in=[CaseStatus.NEW, CaseStatus.UNDER_REVIEW],
            risk_reviews__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 200):
        review_cases(ids[start : start + 200])
    return len(ids)


def automatic_review_prepare(account: SellerAccount, say: Callable[[str], None]) -> None:
    """Models trained (or loaded), the demo policy, the automation modes and a review of waiting cases."""

    ready = models_ensure(say=say)
    say(
        f"Models ready: comments-{ready.comments_version}, risk-{ready.risk_version} ({ready.seconds:.1f} s)."
    )
    published = demo_policy_ensure(account)
    if published:
        limits = DEMO_POLICY_DOCUMENT["automaticApproval"]["maxAmountPerCase"]  # type: ignore[index]
        say(
            f"Published the demo policy ({', '.join(published)}): automatic approval up to "
            + ", ".join(f"{amount} {currency}" for currency, amount in limits.items())
        )
    modes = demo_automation_ensure(account)
    say("Automatic review: " + ", ".join(f"{name} {mode}" for name, mode in sorted(modes.items())))
    active = [name for name, mode in modes.items() if mode != "off"]
    queued = open_cases_review_queue(active)
    if queued:
        say(f"Queued a review of {queued} waiting requests.")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_live_demo(
    *, host: str, port: int, emulator_port: int, emulator_args: str, say: Callable[[str], None]
) -> None:
    url = f"http://127.0.0.1:{emulator_port}"
    # The demo serves plain HTTP on this machine: no Secure cookies, HSTS or HTTPS redirect for it.
    os.environ.setdefault("HTTPS", "false")
    children: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _stop)  # a terminated demo stops its children too
    try:
        say(f"Starting the Allegro emulator on {url} ...")
        children.append(emulator_start(port=emulator_port, extra_args=emulator_args))
        emulator_wait(url)
        account = live_account_connect(url)
        say(f"Seller account '{account.name}' connected to the emulator.")
        demo_payments_prepare(account)  # four-eyes thresholds low enough that the demo shows approvals
        automatic_review_prepare(account, say)
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
