"""Legal periods in the marketplace's local calendar.

Periods are counted in calendar days in the marketplace's time zone. A period whose last day is a
Saturday, Sunday or public holiday of the marketplace's country ends at the end of the next working day
(Regulation 1182/71 Art. 3(4), applied by Directive 2011/83/EU recital 41; Polish Civil Code Art. 115).
Day arithmetic is done on local dates, so a daylight-saving change never shifts a deadline by a day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MARKETPLACE_COUNTRY = {"allegro-pl": "PL", "allegro-cz": "CZ", "allegro-sk": "SK", "allegro-hu": "HU"}
MARKETPLACE_ZONE = {
    "allegro-pl": "Europe/Warsaw",
    "allegro-cz": "Europe/Prague",
    "allegro-sk": "Europe/Bratislava",
    "allegro-hu": "Europe/Budapest",
}
END_OF_DAY = time(23, 59, 59, 999999)

# Statutory periods every case is counted with (a seller's policy may be more generous, never weaker).
# Directive 2011/83/EU Art. 13(1); UPK Art. 32(1): refund within 14 days of receiving the statement.
STATUTORY_REFUND_DAYS = 14
# Days a seller has to answer a complaint: PL deems it accepted after 14 (UPK Art. 7a); CZ/SK/HU 30.
COMPLAINT_ANSWER_DAYS = {"allegro-pl": 14, "allegro-cz": 30, "allegro-sk": 30, "allegro-hu": 30}


_ZONES = {marketplace: ZoneInfo(name) for marketplace, name in MARKETPLACE_ZONE.items()}


def zone_for(marketplace: str) -> ZoneInfo:
    try:
        return _ZONES[marketplace]
    except KeyError as exc:
        raise ValueError(f"unknown marketplace {marketplace!r}") from exc


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, marketplace: str) -> bool:
    if day.weekday() >= 5:
        return False
    return day not in _holidays(MARKETPLACE_COUNTRY[marketplace], day.year)


def local_date(moment: datetime, marketplace: str) -> date:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(zone_for(marketplace)).date()


def end_of_local_day(day: date, marketplace: str) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=zone_for(marketplace))


def roll_to_working_day(day: date, marketplace: str) -> date:
    while not is_working_day(day, marketplace):
        day += timedelta(days=1)
    return day


def period_end(start: datetime, days: int, marketplace: str) -> datetime:
    """End of a period of `days` calendar days that starts on the day after the event at `start`.

    Day 1 is the local day after `start`; the period ends at the end of day `days`, moved to the end of
    the next working day when that day is a weekend day or a public holiday.
    """
    if days < 0:
        raise ValueError("a period cannot be negative")
    return _deadline(local_date(start, marketplace) + timedelta(days=days), marketplace)


@lru_cache(maxsize=8192)
def _deadline(last_day: date, marketplace: str) -> datetime:
    """End of the period's last day, rolled to a working day (cached: it depends on the local date only)."""
    return end_of_local_day(roll_to_working_day(last_day, marketplace), marketplace)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month when that month is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month_first = date(year + month // 12, month % 12 + 1, 1)
    last_day_of_month = (next_month_first - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day_of_month))


def period_end_extended(start: datetime, days: int, months: int, marketplace: str) -> datetime:
    """End of a `days` period from `start` that is extended by `months` months.

    Directive 2011/83/EU Art. 10(1) (UPK Art. 29): when the consumer was not informed of the right of
    withdrawal, the period expires 12 months after the end of the initial period. The extension runs from
    the initial period's last calendar day; the weekend/holiday roll applies once, to the final day.
    """
    if days < 0 or months < 0:
        raise ValueError("a period cannot be negative")
    initial_last_day = local_date(start, marketplace) + timedelta(days=days)
    return _deadline(add_months(initial_last_day, months) if months else initial_last_day, marketplace)
