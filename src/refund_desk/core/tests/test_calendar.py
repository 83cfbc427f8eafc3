"""Legal periods: calendar days in the marketplace's zone, weekend/holiday roll, DST-safe, 12-month extension."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from refund_desk.core.calendar import add_months, period_end, period_end_extended


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Regulation 1182/71 Art. 3(4), Dir. 2011/83/EU recital 41, Polish Civil Code Art. 115.
@pytest.mark.parametrize(
    ("marketplace", "start", "expected_end"),
    [
        # A plain weekday: day 14 is a Monday.
        ("allegro-pl", "2025-03-03T15:00:00+01:00", "2025-03-17T23:59:59.999999+01:00"),
        # Day 14 on a Saturday moves to Monday.
        ("allegro-pl", "2025-03-01T10:00:00+01:00", "2025-03-17T23:59:59.999999+01:00"),
        # PL Independence Day (Tue 11 Nov 2025) -> Wednesday.
        ("allegro-pl", "2025-10-28T10:00:00+01:00", "2025-11-12T23:59:59.999999+01:00"),
        # PL Christmas Eve (a holiday from 2025), Christmas, weekend -> Monday 29 Dec.
        ("allegro-pl", "2025-12-10T10:00:00+01:00", "2025-12-29T23:59:59.999999+01:00"),
        # CZ Independent Czechoslovak State Day (Tue 28 Oct 2025).
        ("allegro-cz", "2025-10-14T10:00:00+02:00", "2025-10-29T23:59:59.999999+01:00"),
        # SK National Uprising Anniversary (Fri 29 Aug 2025), then the weekend.
        ("allegro-sk", "2025-08-15T10:00:00+02:00", "2025-09-01T23:59:59.999999+02:00"),
        # HU National Day (Thu 23 Oct 2025), bridge day off on Friday, then the weekend.
        ("allegro-hu", "2025-10-09T10:00:00+02:00", "2025-10-27T23:59:59.999999+01:00"),
        # HU State Foundation Day (Wed 20 Aug 2025).
        ("allegro-hu", "2025-08-06T10:00:00+02:00", "2025-08-21T23:59:59.999999+02:00"),
    ],
)
def test_period_end_rolls_over_weekends_and_holidays(marketplace: str, start: str, expected_end: str) -> None:
    assert period_end(at(start), 14, marketplace) == at(expected_end)


def test_dst_change_at_end_of_october_does_not_shift_the_deadline() -> None:
    # Given a delivery 00:30 local time on 20 Oct (22:30 UTC on the 19th), before DST ends on 26 Oct
    end = period_end(at("2025-10-19T22:30:00+00:00"), 14, "allegro-pl")
    # Then day 1 is 21 Oct local and the period ends at the end of 3 Nov local (CET), not on 2 Nov.
    assert end == at("2025-11-03T23:59:59.999999+01:00")
    assert end.utcoffset() is not None and end.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("moment", "expected_end"),
    [
        # 23:59:59 Warsaw time on 3 Mar is still 3 Mar: the period ends on 17 Mar.
        ("2025-03-03T22:59:59+00:00", "2025-03-17T23:59:59.999999+01:00"),
        # 00:00 Warsaw time on 4 Mar (still 3 Mar in UTC): the period ends on 18 Mar.
        ("2025-03-03T23:00:00+00:00", "2025-03-18T23:59:59.999999+01:00"),
    ],
)
def test_the_local_calendar_day_decides_not_utc(moment: str, expected_end: str) -> None:
    assert period_end(at(moment), 14, "allegro-pl") == at(expected_end)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 17), 12, date(2026, 3, 17)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_uninformed_extension_is_twelve_months_after_the_initial_period() -> None:
    # Dir. 2011/83/EU Art. 10(1): initial period ends 17 Mar 2025; +12 months = Tue 17 Mar 2026.
    end = period_end_extended(at("2025-03-03T15:00:00+01:00"), 14, 12, "allegro-pl")
    assert end == at("2026-03-17T23:59:59.999999+01:00")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_end(datetime(2025, 3, 3, 12, 0), 14, "allegro-pl")
