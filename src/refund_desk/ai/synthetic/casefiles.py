"""Seeded generator of realistic Allegro case files ({"order": checkout form, "customerReturn": return}).

Used by the demo, the benchmarks and tests. Shapes follow the official Allegro REST API spec;
comments are written the way buyers write them: several languages, typos, missing diacritics.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from refund_desk.core.money import CENT, MAX_QUANTITY, amount_limit

MARKETPLACES = {
    "allegro-pl": ("PLN", Decimal("1")),
    "allegro-cz": ("CZK", Decimal("5.9")),
    "allegro-sk": ("EUR", Decimal("0.23")),
    "allegro-hu": ("HUF", Decimal("92")),
}
MARKETPLACE_WEIGHTS = [70, 14, 8, 8]

OFFERS = [
    ("Słuchawki bezprzewodowe ANC Pro", Decimal("249.99")),
    ("Buty do biegania TrailRun 42", Decimal("329.00")),
    ("Kurtka zimowa męska parka L", Decimal("459.90")),
    ("Ekspres do kawy ciśnieniowy 15 bar", Decimal("899.00")),
    ("Etui silikonowe do telefonu", Decimal("19.99")),
    ("Blender kielichowy 1200 W", Decimal("189.00")),
    ("Sukienka letnia w kwiaty M", Decimal("119.00")),
    ("Klocki konstrukcyjne 1000 el.", Decimal("149.50")),
    ("Powerbank 20000 mAh USB-C", Decimal("99.99")),
    ("Lampka biurkowa LED z ładowarką", Decimal("79.00")),
    ("Odkurzacz pionowy bezprzewodowy", Decimal("1099.00")),
    ("Plecak turystyczny 40 l", Decimal("219.00")),
    ("Zegarek sportowy GPS", Decimal("649.00")),
    ("Patelnia ceramiczna 28 cm", Decimal("89.90")),
    ("Mysz gamingowa RGB", Decimal("139.00")),
]
DELIVERY = [
    ("Allegro Paczkomaty InPost", Decimal("12.99")),
    ("Allegro Kurier DPD", Decimal("16.99")),
    ("Allegro One Box", Decimal("9.99")),
    ("Allegro Kurier DHL", Decimal("18.99")),
]
CARRIERS = ["INPOST", "DPD", "DHL", "ALLEGRO", "POCZTA_POLSKA", "GLS"]
FIRST = [
    "anna",
    "marek",
    "kasia",
    "tomek",
    "jana",
    "peter",
    "eva",
    "zsofia",
    "bence",
    "lukas",
    "ola",
    "piotr",
]
LAST = ["kowalska", "nowak", "novak", "horvath", "svoboda", "kovacs", "wisniewski", "dvorak", "nagy", "mazur"]

COMMENTS: dict[str, dict[str, list[str]]] = {
    "DONT_LIKE_IT": {
        "pl": [
            "Nie podoba mi sie kolor, na zdjeciu wyglądał inaczej",
            "jednak sie rozmyslilam, nie pasuje do wnetrza",
        ],
        "cs": ["Barva se mi nelibi, na fotce vypadala jinak", "Nakonec to nechci, nesedi mi to"],
        "sk": ["Nepaci sa mi farba", "Rozmyslela som si to, nechcem to"],
        "hu": ["Nem tetszik a szine, a kepen mas volt", "meggondoltam magam"],
        "en": ["Don't like the colour, looked different in the photo", "changed my mind, sorry"],
    },
    "DAMAGED": {
        "pl": [
            "Produkt przyszedł uszkodzony, pęknięta obudowa",
            "paczka zgnieciona a w srodku porysowany ekran",
        ],
        "cs": ["Zbozi prislo poskozene, praskly kryt", "Krabice byla rozmackana a vyrobek poskrabany"],
        "sk": ["Tovar prisiel poskodeny, prasknuty kryt", "rozbity displej po doruceni"],
        "hu": ["Serülten erkezett, tort a burkolat", "a doboz osszenyomva, a termek karcos"],
        "en": ["Arrived damaged, the casing is cracked", "box was crushed and the item is scratched"],
    },
    "TOO_SMALL": {
        "pl": ["Za male, potrzebuje o rozmiar wiekszy", "rozmiar za mały mimo tabeli rozmiarow"],
        "cs": ["Je to male, potrebuji o cislo vetsi"],
        "sk": ["Je to male, potrebujem o cislo vacsie"],
        "hu": ["Tul kicsi, egy merettel nagyobb kellene"],
        "en": ["Too small, need one size up"],
    },
    "TOO_LARGE": {
        "pl": ["Za duze, rozmiar nie zgadza sie z tabela"],
        "cs": ["Prilis velke"],
        "sk": ["Prilis velke, nesedi velkost"],
        "hu": ["Tul nagy a meret"],
        "en": ["Too big, sizing runs large"],
    },
    "NOT_AS_DESCRIBED": {
        "pl": ["Opis mówił o 20000 mAh a ładuje telefon raz", "niezgodny z opisem, brak funkcji ANC"],
        "cs": ["Neodpovida popisu, chybi funkce"],
        "sk": ["Nezodpoveda popisu"],
        "hu": ["Nem felel meg a leirasnak"],
        "en": ["Not as described, the feature listed is missing"],
    },
    "DIFFERENT": {
        "pl": ["Przyszedł inny model niz zamawialem", "dostalam zly kolor i inny rozmiar"],
        "cs": ["Prisel jiny model nez jsem objednal"],
        "sk": ["Prisiel iny tovar nez som objednal"],
        "hu": ["Mas termeket kaptam mint amit rendeltem"],
        "en": ["Received a different model than ordered"],
    },
    "HIDDEN_FLAW": {
        "pl": ["Po tygodniu przestał działać, nie włącza się", "wada ukryta - bateria puchnie"],
        "cs": ["Po tydnu prestal fungovat"],
        "sk": ["Po tyzdni prestal fungovat"],
        "hu": ["Egy het utan nem mukodik"],
        "en": ["Stopped working after a week, won't turn on"],
    },
    "MISTAKE": {
        "pl": ["Zamowilem przez pomylke dwa razy", "pomyłka przy zamowieniu"],
        "cs": ["Objednal jsem omylem"],
        "sk": ["Objednala som omylom"],
        "hu": ["Veletlenul rendeltem"],
        "en": ["Ordered by mistake"],
    },
    "INCOMPLETE": {
        "pl": ["Brak ładowarki w zestawie", "niekompletny, brakuje instrukcji i kabla"],
        "cs": ["Chybi nabijecka"],
        "sk": ["Chyba nabijacka v baleni"],
        "hu": ["Hianyzik a tolto a csomagbol"],
        "en": ["Charger missing from the box"],
    },
    "OVERDUE_DELIVERY": {
        "pl": ["Paczka szła 3 tygodnie, już niepotrzebne", "za pozno dotarlo, kupilem gdzie indziej"],
        "cs": ["Doruceni trvalo prilis dlouho"],
        "sk": ["Zasielka prisla neskoro"],
        "hu": ["Tul keson erkezett"],
        "en": ["Delivery took three weeks, no longer needed"],
    },
    "NOT_AS_EXPECTED": {
        "pl": ["Jakość gorsza niz sie spodziewalam", "material cienki i sztuczny"],
        "cs": ["Kvalita horsi nez jsem cekala"],
        "sk": ["Kvalita je horsia ako som cakala"],
        "hu": ["Rosszabb minoseg mint vartam"],
        "en": ["Quality is worse than I expected"],
    },
    "NONE": {"pl": [""], "cs": [""], "sk": [""], "hu": [""], "en": [""]},
}
REASON_WEIGHTS = {
    "DONT_LIKE_IT": 22,
    "TOO_SMALL": 10,
    "TOO_LARGE": 7,
    "DAMAGED": 12,
    "NOT_AS_DESCRIBED": 8,
    "DIFFERENT": 5,
    "HIDDEN_FLAW": 6,
    "MISTAKE": 9,
    "INCOMPLETE": 4,
    "OVERDUE_DELIVERY": 4,
    "NOT_AS_EXPECTED": 8,
    "NONE": 5,
}
LANGUAGE_BY_MARKETPLACE = {"allegro-pl": "pl", "allegro-cz": "cs", "allegro-sk": "sk", "allegro-hu": "hu"}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _price(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currency": currency}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OutOfBounds(ValueError):
    """The generator made a value the desk's intake would refuse (a bug in the generator)."""


def order_within_bounds(order: dict[str, Any]) -> dict[str, Any]:
    """The intake's limits, held by everything the generators make: prices above 0 with at most two
    decimals, quantities 1 to MAX_QUANTITY, each line and the order within the per-currency limits, and the
    total and the paid amount adding up. Returns the order; raises OutOfBounds naming the field."""
    lines = Decimal(0)
    for i, line in enumerate(order["lineItems"]):
        price = Decimal(line["price"]["amount"])
        currency = line["price"]["currency"]
        if price <= 0 or price != price.quantize(CENT):
            raise OutOfBounds(f"lineItems[{i}].price.amount: {price} is not a price above 0 with 2 decimals")
        if not 0 < line["quantity"] <= MAX_QUANTITY:
            raise OutOfBounds(f"lineItems[{i}].quantity: {line['quantity']} is outside 1..{MAX_QUANTITY}")
        if price * line["quantity"] > amount_limit(settings.INTAKE_MAX_LINE_AMOUNT, currency):
            raise OutOfBounds(f"lineItems[{i}]: the line is above INTAKE_MAX_LINE_AMOUNT for {currency}")
        lines += price * line["quantity"]
    currency = order["lineItems"][0]["price"]["currency"]
    delivery = Decimal(order["delivery"]["cost"]["amount"])
    total = Decimal(order["summary"]["totalToPay"]["amount"])
    if delivery < 0 or total != lines + delivery:
        raise OutOfBounds(
            f"summary.totalToPay: {total} is not the lines ({lines}) plus delivery ({delivery})"
        )
    if total > amount_limit(settings.INTAKE_MAX_ORDER_AMOUNT, currency):
        raise OutOfBounds(f"summary.totalToPay: {total} is above INTAKE_MAX_ORDER_AMOUNT for {currency}")
    if not 0 <= Decimal(order["payment"]["paidAmount"]["amount"]) <= total:
        raise OutOfBounds("payment.paidAmount: not between 0 and the total")
    return order


def build_order(
    rng: random.Random, *, marketplace: str, bought_at: datetime, buyer: dict[str, str], company: bool = False
) -> dict[str, Any]:
    """An Allegro checkout form with 1–3 line items, within the intake's limits (order_within_bounds)."""
    currency, rate = MARKETPLACES[marketplace]
    line_items: list[dict[str, Any]] = []
    for offer_name, base in rng.sample(OFFERS, k=rng.choice([1, 1, 1, 2, 2, 3])):
        offer_id = str(rng.randint(10_000_000_000, 19_999_999_999))
        unit = (base * rate).quantize(Decimal("1") if currency == "HUF" else Decimal("0.01"))
        line_items.append(
            {
                "id": _uuid(rng),
                "offer": {"id": offer_id, "name": offer_name, "external": None},
                "quantity": rng.choice([1, 1, 1, 1, 2, 3]),
                "originalPrice": _price(unit, currency),
                "price": _price(unit, currency),
                "boughtAt": _iso(bought_at),
            }
        )
    method, cost = rng.choice(DELIVERY)
    smart = marketplace == "allegro-pl" and rng.random() < 0.35
    delivery_cost = Decimal("0") if smart else (cost * rate).quantize(Decimal("0.01"))
    goods = sum(Decimal(li["price"]["amount"]) * li["quantity"] for li in line_items)
    total = goods + delivery_cost
    payment_type = rng.choices(["ONLINE", "CASH_ON_DELIVERY", "EXTENDED_TERM"], weights=[90, 7, 3])[0]
    invoice: dict[str, Any] = {"required": False, "address": None}
    if company:
        invoice = {
            "required": True,
            "address": {
                "company": {
                    "name": f"{buyer['last'].capitalize()} Sp. z o.o.",
                    "ids": [{"type": "PL_NIP", "value": str(rng.randint(1_000_000_000, 9_999_999_999))}],
                }
            },
        }
    return order_within_bounds(
        {
            "id": _uuid(rng),
            "messageToSeller": None,
            "buyer": {
                "id": buyer["id"],
                "email": f"{buyer['login']}+{rng.randint(1000, 9999)}@allegromail.pl",
                "login": buyer["login"],
                "firstName": buyer["first"].capitalize(),
                "lastName": buyer["last"].capitalize(),
                "guest": False,
            },
            "payment": {
                "id": _uuid(rng),
                "type": payment_type,
                "provider": "P24" if payment_type == "ONLINE" else "OFFLINE",
                "finishedAt": _iso(bought_at + timedelta(minutes=3)),
                "paidAmount": _price(total, currency),
            },
            "status": "READY_FOR_PROCESSING",
            "fulfillment": {"status": "SENT"},
            "delivery": {
                "method": {"id": _uuid(rng), "name": method},
                "cost": _price(delivery_cost, currency),
                "smart": smart,
            },
            "invoice": invoice,
            "lineItems": line_items,
            "surcharges": [],
            "discounts": [],
            "summary": {"totalToPay": _price(total, currency)},
            "marketplace": {"id": marketplace},
            "updatedAt": _iso(bought_at + timedelta(days=1)),
            "revision": rng.randbytes(4).hex(),
        }
    )


def build_customer_return(
    rng: random.Random, *, order: dict[str, Any], created_at: datetime, status: str = "CREATED"
) -> dict[str, Any]:
    """An Allegro customer return for some or all of the order's items."""
    marketplace = order["marketplace"]["id"]
    lines = order["lineItems"]
    chosen = lines if rng.random() < 0.6 else rng.sample(lines, k=max(1, len(lines) - 1))
    language = LANGUAGE_BY_MARKETPLACE[marketplace] if rng.random() < 0.85 else "en"
    items = []
    for line in chosen:
        reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
        comment = rng.choice(COMMENTS[reason][language])
        items.append(
            {
                "offerId": line["offer"]["id"],
                "quantity": rng.randint(1, line["quantity"]),
                "name": line["offer"]["name"],
                "price": line["price"],
                "url": f"https://allegro.pl/oferta/{line['offer']['id']}",
                "reason": {"type": reason, "userComment": comment or None},
            }
        )
    parcels = []
    if status != "CREATED":
        parcels.append(
            {
                "createdAt": _iso(created_at + timedelta(hours=rng.randint(2, 40))),
                "waybill": f"{rng.randint(10**17, 10**18 - 1)}",
                "transportingWaybill": None,
                "carrierId": rng.choice(CARRIERS),
                "transportingCarrierId": None,
                "sender": {"phoneNumber": f"+48{rng.randint(500_000_000, 899_999_999)}"},
            }
        )
    bank_account = None
    if order["payment"]["type"] != "ONLINE":
        bank_account = {
            "owner": f"{order['buyer']['firstName']} {order['buyer']['lastName']}",
            "accountNumber": None,
            "iban": f"PL{rng.randint(10**25, 10**26 - 1)}",
            "swift": None,
            "address": None,
        }
    return {
        "id": _uuid(rng),
        "referenceNumber": f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randint(10000, 99999)}"
        f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}",
        "orderId": order["id"],
        "createdAt": _iso(created_at),
        "isFulfillment": False,
        "marketplaceId": marketplace,
        "buyer": {"email": order["buyer"]["email"], "login": order["buyer"]["login"]},
        "items": items,
        "refund": {"bankAccount": bank_account} if bank_account else None,
        "parcels": parcels,
        "rejection": None,
        "status": status,
    }


def make_buyer(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = f"{first}_{last}{rng.randint(1, 999)}"
    return {"id": str(rng.randint(10_000_000, 99_999_999)), "login": login, "first": first, "last": last}


def generate_case_files(
    count: int, *, seed: int = 1, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """`count` case files with returns created over the last ~20 days before `now`."""
    rng = random.Random(seed)
    now = now or timezone.now()
    buyers = [make_buyer(rng) for _ in range(max(10, count // 3))]
    for _ in range(count):
        marketplace = rng.choices(list(MARKETPLACES), weights=MARKETPLACE_WEIGHTS)[0]
        created_at = now - timedelta(minutes=rng.randint(10, 20 * 24 * 60))
        bought_at = created_at - timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 600))
        order = build_order(
            rng,
            marketplace=marketplace,
            bought_at=bought_at,
            buyer=rng.choice(buyers),
            company=rng.random() < 0.04,
        )
        status = rng.choices(["CREATED", "DISPATCHED", "IN_TRANSIT", "DELIVERED"], weights=[40, 25, 15, 20])[
            0
        ]
        yield {
            "order": order,
            "customerReturn": build_customer_return(rng, order=order, created_at=created_at, status=status),
        }
