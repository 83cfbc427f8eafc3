"""Sync customer returns, post-purchase issues, cancellations and Message Center threads from Allegro.

Exactly-once without distributed transactions:
  * a page is fetched, with every checkout form it needs, *outside* any database transaction;
  * one transaction then locks the cursor row, checks the cursor still points where the page began
    (compare-and-set), imports the page through `cases_import` (idempotent by fingerprint), stores
    rejected items in quarantine and moves the cursor past the page (`cursor.page_commit`);
  * a run killed before that commit leaves no trace, so the next run fetches the same page again;
    a page served twice, or an item repeated, only yields "unchanged" results;
  * a lease on the cursor keeps a second worker from fetching the same pages in vain.

Modules: `cursor` (lease, runs, the shared page commit), `returns` (new and open customer returns),
`issues` (post-purchase issues), `orders` (order-event cancellations), `messages` (Message Center).
"""

from refund_desk.integrations.allegro.sync.cursor import (
    LEASE,
    SYNC_ACTOR,
    Progress,
    Vanished,
    cursor_lease_acquire,
    cursor_lease_release,
    lookback,
)
from refund_desk.integrations.allegro.sync.issues import (
    DECIDED_ISSUE_STATUSES,
    FINAL_ISSUE_STATUSES,
    ISSUE_FOLLOW,
    ISSUE_OVERLAP,
    ISSUE_PAGE_LIMIT,
    PreparedIssues,
    commit_issues,
    prepare_issues,
    sync_issues,
)
from refund_desk.integrations.allegro.sync.messages import (
    MESSAGE_OFFSET_MAX,
    THREAD_PAGE_LIMIT,
    sync_message_threads,
)
from refund_desk.integrations.allegro.sync.orders import CANCELLATION_EVENTS, sync_order_events
from refund_desk.integrations.allegro.sync.returns import (
    FINAL_RETURN_STATUSES,
    PAGE_LIMIT,
    PreparedPage,
    commit_returns_page,
    prepare_returns_page,
    sync_customer_returns,
    sync_open_returns,
)

__all__ = [
    "CANCELLATION_EVENTS",
    "DECIDED_ISSUE_STATUSES",
    "FINAL_ISSUE_STATUSES",
    "FINAL_RETURN_STATUSES",
    "ISSUE_FOLLOW",
    "ISSUE_OVERLAP",
    "ISSUE_PAGE_LIMIT",
    "LEASE",
    "MESSAGE_OFFSET_MAX",
    "PAGE_LIMIT",
    "SYNC_ACTOR",
    "THREAD_PAGE_LIMIT",
    "PreparedIssues",
    "PreparedPage",
    "Progress",
    "Vanished",
    "commit_issues",
    "commit_returns_page",
    "cursor_lease_acquire",
    "cursor_lease_release",
    "lookback",
    "prepare_issues",
    "prepare_returns_page",
    "sync_customer_returns",
    "sync_issues",
    "sync_message_threads",
    "sync_open_returns",
    "sync_order_events",
]
