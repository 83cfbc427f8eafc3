"""Statutory constants the policy may make more generous but never weaker, each with its source."""

from __future__ import annotations

# Directive 2011/83/EU Art. 13(1); UPK Art. 32(1): counted in core.calendar, cited with the rules here.
from refund_desk.core.calendar import STATUTORY_REFUND_DAYS as STATUTORY_REFUND_DAYS

# Directive 2011/83/EU Art. 9(1); UPK (Polish Consumer Rights Act) Art. 27.
STATUTORY_WITHDRAWAL_DAYS = 14
# Directive 2011/83/EU Art. 10(1); UPK Art. 29: not informed of the right -> extended by 12 months.
UNINFORMED_EXTENSION_MONTHS = 12
# UPK Art. 7a: a consumer complaint not answered within 14 days is deemed accepted (Poland only).
PL_COMPLAINT_ANSWER_DAYS = 14
DEFAULT_COMPLAINT_ANSWER_DAYS = 30
DEEMED_ACCEPTANCE_MARKETPLACES = frozenset({"allegro-pl"})
# Buyer frequency window for the automatic-approval limit.
BUYER_FREQUENCY_WINDOW_DAYS = 30

MARKETPLACES = ("allegro-pl", "allegro-cz", "allegro-sk", "allegro-hu")
MARKETPLACE_LANGUAGE = {"allegro-pl": "pl", "allegro-cz": "cs", "allegro-sk": "sk", "allegro-hu": "hu"}
LANGUAGES = ("pl", "cs", "sk", "hu", "en")

# Allegro restrictionCause.name values (spec ReturnPolicyRequestV1) mirroring Dir. Art. 16 / UPK Art. 38.
RESTRICTION_CAUSES = (
    "SEALED_MEDIA",
    "SEALED_ITEM_NO_RETURN_DUE_HEALTH_OR_HYGIENE",
    "CUSTOM_ITEM",
    "SHORT_SHELF_LIFE",
    "INSEPARABLY_LINKED",
    "PRESS",
    "MEDICINAL_PRODUCT",
    "NOT_RECORDED_DIGITAL_CONTENT",
    "VALUE_DEPENDENT_ON_FINANCIAL_MARKET",
)
# The exception applies only once the seal was broken after delivery (Dir. Art. 16(e) and (i)).
SEAL_BASED_CAUSES = frozenset({"SEALED_MEDIA", "SEALED_ITEM_NO_RETURN_DUE_HEALTH_OR_HYGIENE"})

# Return reasons that describe a defect: a late "withdrawal" may really be a complaint (Dir. 2019/771).
DEFECT_REASONS = frozenset(
    {
        "DAMAGED",
        "HIDDEN_FLAW",
        "OTHER_FLAW",
        "INCOMPLETE",
        "NOT_AS_DESCRIBED",
        "DIFFERENT",
        "NOT_NEW",
        "COUNTERFEIT",
    }
)

# Allegro rejection codes (POST /order/customer-returns/{id}/rejection).
REJECTION_NO_RETURN_RIGHT = "NO_RETURN_RIGHT"
REJECTION_BUSINESS_PURCHASE = "BUSINESS_PURCHASE"
REJECTION_REFUND_REJECTED = "REFUND_REJECTED"

# Where each rule comes from; shown in docs/policy.md and on the desk.
SOURCES = {
    "order.paid": "Allegro API: unpaid (FILLED_IN) orders cannot be refunded (allegro-api GH#3311)",
    "withdrawal.business_purchase": "UPK Art. 38a; Directive 2011/83/EU Art. 2(1); Allegro code BUSINESS_PURCHASE",
    "withdrawal.information": "Directive 2011/83/EU Art. 10; UPK Art. 29",
    "withdrawal.period": (
        "Directive 2011/83/EU Art. 9(1), 9(2)(b), 11(2); UPK Art. 27, 28, 35; Regulation 1182/71 Art. 3(4); "
        "Polish Civil Code Art. 115"
    ),
    "withdrawal.restriction": "Directive 2011/83/EU Art. 16; UPK Art. 38; Allegro restrictionCause",
    "withdrawal.return_shipping": "Directive 2011/83/EU Art. 14(1); UPK Art. 34(2)",
    "refund.items": "Directive 2011/83/EU Art. 13(1); UPK Art. 32(1)",
    "refund.deductions": "Directive 2011/83/EU Art. 14(2); UPK Art. 34(4)",
    "refund.delivery": "Directive 2011/83/EU Art. 13(2); UPK Art. 33; Allegro Smart! rules",
    "refund.timing": "Directive 2011/83/EU Art. 13(3); UPK Art. 32(3)",
    "refund.deadline": "Directive 2011/83/EU Art. 13(1); UPK Art. 32(1)",
    "refund.method": "Directive 2011/83/EU Art. 13(1); UPK Art. 32(2)",
    "cancellation.type": (
        "Polish Civil Code Art. 494 (what was paid is returned when the contract falls away); Allegro order "
        "events BUYER_CANCELLED, AUTO_CANCELLED"
    ),
    "automation.amount_limit": "Seller policy (automaticApproval.maxAmountPerCase)",
    "automation.buyer_frequency": "Seller policy (automaticApproval.maxCasesPerBuyerPer30Days)",
    "complaint.type": "Allegro post-purchase issues (DISPUTE vs CLAIM)",
    "complaint.deadline": "UPK Art. 7a (PL, 14 days, deemed acceptance); seller policy elsewhere; Allegro decisionDueDate",
    "complaint.status": "Allegro PostPurchaseIssueStatus",
    "complaint.expectation": "Directive 2019/771 Art. 13; UPK Art. 43d-43f",
    "issue.dispute": "Allegro post-purchase issues",
}
