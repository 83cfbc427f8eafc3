"""`refund-desk allegro …`: connect seller accounts, list them, sync them."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from refund_desk.cases.choices import AccountEnvironment
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.models import AllegroCredentials, SyncRun
from refund_desk.integrations.allegro.oauth import API_HOSTS, StaticTokenProvider, TokenPair
from refund_desk.integrations.allegro.selectors import accounts_syncable
from refund_desk.integrations.allegro.services import (
    account_connect,
    client_for_account,
    oauth_client_for,
    token_pair_from_cli,
)
from refund_desk.integrations.allegro.sync import (
    sync_customer_returns,
    sync_issues,
    sync_message_threads,
    sync_open_returns,
    sync_order_events,
)


class Command(BaseCommand):
    help = "Allegro connector: connect, add and list accounts, sync them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        connect = sub.add_parser("connect", help="connect an account with the OAuth device flow")
        connect.add_argument("name", nargs="?", help="account name (default: the seller's Allegro login)")
        connect.add_argument("--environment", choices=AccountEnvironment.values, default="production")
        connect.add_argument("--api-url", default="")

        account = sub.add_parser("account", help="manage accounts")
        account_sub = account.add_subparsers(dest="account_action", required=True)
        add = account_sub.add_parser("add", help="add an account with existing tokens")
        add.add_argument("name")
        add.add_argument("--api-url", default="")
        add.add_argument("--access-token", required=True)
        add.add_argument("--refresh-token", default="")
        add.add_argument("--expires-in", type=int, default=43199)
        add.add_argument("--environment", choices=AccountEnvironment.values, default="production")

        sub.add_parser("accounts", help="list accounts and their connection state")

        sync = sub.add_parser(
            "sync", help="sync customer returns, issues, cancellations and messages into the desk"
        )
        sync.add_argument("--account", help="only this account (name)")
        sync.add_argument("--once", action="store_true", help="one pass, then exit (default: every minute)")
        sync.add_argument("--limit", type=int, default=1000, help="returns per page (1-1000)")
        sync.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "connect":
                self._connect(options)
            elif action == "account":
                self._account_add(options)
            elif action == "accounts":
                self._accounts()
            elif action == "sync":
                self._sync(options)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc

    def _connect(self, options: dict[str, Any]) -> None:
        environment, api_url = options["environment"], options["api_url"]
        if environment == "emulator" and not api_url:
            raise CommandError("--api-url is required for the emulator")
        probe = SellerAccount(name=options["name"] or "new", environment=environment, api_url=api_url)
        oauth = oauth_client_for(probe)
        try:
            device = oauth.start_device_flow()
            self.stdout.write(
                f"Open {device.verification_uri_complete}\n"
                f"  (or {device.verification_uri} and enter the code {device.user_code})\n"
                f"Waiting for confirmation, polling every {device.interval}s…"
            )
            pair = oauth.wait_for_device(device, on_pending=lambda: self.stdout.write(".", ending=""))
        except AllegroError as exc:
            raise CommandError(f"could not connect: {exc}") from exc
        finally:
            oauth.close()
        name = options["name"] or self._login_of(pair, environment, api_url)
        account = account_connect(
            name=name, environment=environment, api_url=api_url or API_HOSTS.get(environment, ""), tokens=pair
        )
        self._describe_me(account)
        self.stdout.write(self.style.SUCCESS(f"\nConnected account {account.name}"))

    def _login_of(self, pair: TokenPair, environment: str, api_url: str) -> str:
        """The seller's Allegro login, to name an account connected without a name."""
        client = AllegroClient(
            base_url=api_url or API_HOSTS[environment],
            tokens=StaticTokenProvider(pair.access_token),
            account="connect",
        )
        try:
            with client:
                return client.me().login
        except AllegroError as exc:
            raise CommandError(
                f"connected, but could not read the seller's login ({exc}); pass a NAME"
            ) from exc

    def _account_add(self, options: dict[str, Any]) -> None:
        environment = options["environment"]
        api_url = options["api_url"] or API_HOSTS.get(environment, "")
        account = account_connect(
            name=options["name"],
            environment=environment,
            api_url=api_url,
            tokens=token_pair_from_cli(
                access_token=options["access_token"],
                refresh_token=options["refresh_token"],
                expires_in=options["expires_in"],
            ),
        )
        self._describe_me(account)
        self.stdout.write(self.style.SUCCESS(f"Added account {account.name} ({environment}, {api_url})"))

    def _describe_me(self, account: SellerAccount) -> None:
        """Record the Allegro user behind the token (best effort: a token without profile scope still works)."""
        try:
            with client_for_account(account) as client:
                me = client.me()
        except AllegroError as exc:
            self.stderr.write(f"note: could not read /me: {exc}")
            return
        SellerAccount.objects.filter(pk=account.pk).update(allegro_user_id=me.id, allegro_login=me.login)
        self.stdout.write(f"Allegro user {me.login} (id {me.id})")

    def _accounts(self) -> None:
        rows = SellerAccount.objects.order_by("name")
        if not rows:
            self.stdout.write("no accounts")
            return
        self.stdout.write(f"{'name':20} {'environment':11} {'status':16} {'expires':20} {'last sync':30} api")
        for account in rows:
            creds = AllegroCredentials.objects.filter(account=account).first()
            last = SyncRun.objects.filter(account=account).order_by("-started_at").first()
            status = creds.status if creds else "not connected"
            expires = f"{creds.expires_at:%Y-%m-%d %H:%M}" if creds and creds.expires_at else "-"
            last_text = f"{last.started_at:%Y-%m-%d %H:%M} {last.status}" if last else "-"
            active = "" if account.is_active else " (inactive)"
            self.stdout.write(
                f"{account.name:20} {account.environment:11} {status:16} {expires:20} {last_text:30} "
                f"{account.api_url}{active}"
            )

    def _sync(self, options: dict[str, Any]) -> None:
        accounts = accounts_syncable()
        if options["account"]:
            accounts = accounts.filter(name=options["account"])
            if not accounts.exists():
                raise CommandError(f"no active connected account named {options['account']!r}")
        while True:
            for account in accounts:
                self._sync_one(account, limit=options["limit"])
            if options["once"]:
                return
            time.sleep(options["interval"])

    def _sync_one(self, account: SellerAccount, *, limit: int) -> None:
        started = time.monotonic()

        def progress(run: SyncRun) -> None:
            rate = run.items_seen / max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"  {account.name}: page {run.pages}, {run.items_seen} returns seen, {run.created} created, "
                f"{run.updated} updated, {run.quarantined} quarantined ({rate:.0f}/s)"
            )

        with client_for_account(account) as client:
            self.stdout.write(f"{account.name}: syncing customer returns")
            run = sync_customer_returns(account=account, client=client, limit=limit, progress=progress)
            self._report(account, "new returns", run)
            self._report(account, "open returns", sync_open_returns(account=account, client=client))
            self._report(account, "order events", sync_order_events(account=account, client=client))
            self._report(account, "issues", sync_issues(account=account, client=client))
            self._report(account, "messages", sync_message_threads(account=account, client=client))

    def _report(self, account: SellerAccount, label: str, run: SyncRun) -> None:
        text = (
            f"{account.name} {label}: {run.status}; seen {run.items_seen}, created {run.created}, "
            f"updated {run.updated}, unchanged {run.unchanged}, quarantined {run.quarantined}, errors {run.errors}"
        )
        if run.message:
            text += f" — {run.message}"
        self.stdout.write(self.style.SUCCESS(text) if run.status == "succeeded" else self.style.WARNING(text))
