"""Business-time engine: calendars, holidays, DST, API contracts (properties are in
test_business_time_props.py)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from bot.flows.business_time import (
    Calendar,
    NaiveDatetimeError,
    OutOfRangeError,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=SH)


@pytest.fixture(scope="module")
def t1() -> Calendar:
    return Calendar.for_tier(1)


@pytest.fixture(scope="module")
def t2() -> Calendar:
    return Calendar.for_tier(2)


@pytest.fixture(scope="module")
def t3() -> Calendar:
    return Calendar.for_tier(3)


# ---------------------------------------------------------------------- tiers and API


def test_tier_defaults(t1: Calendar, t2: Calendar, t3: Calendar) -> None:
    assert t1.weekly_hours == {d: (("00:00", "24:00"),) for d in range(7)}
    assert not t1.skip_holidays
    assert t2.weekly_hours == {d: (("08:00", "20:00"),) for d in range(7)}
    assert t3.weekly_hours == {d: (("09:00", "17:00"),) for d in range(5)}
    assert t2.skip_holidays and t3.skip_holidays
    assert t3.tz == SH and t3.country == "CN"
    assert "5x8" in repr(t3) and "Asia/Shanghai" in repr(t3)


def test_tier_options() -> None:
    cal = Calendar.for_tier(3, "Europe/Berlin", "DE", hours=("08:30", "16:30"))
    assert cal.weekly_hours[0] == (("08:30", "16:30"),)
    assert cal.tz == BERLIN
    with pytest.raises(ValueError, match="tier"):
        Calendar.for_tier(4)
    with pytest.raises(ValueError, match="7x24"):
        Calendar.for_tier(1, hours=("09:00", "17:00"))
    assert Calendar.for_tier(1, skip_holidays=True).skip_holidays


def test_five_by_eight_basics(t3: Calendar) -> None:
    monday = sh(2025, 3, 3, 9)
    # work due after 8 hours from Monday 09:00 is due Monday 17:00, not Tuesday 09:00
    assert t3.add(monday, 8 * HOUR) == sh(2025, 3, 3, 17)
    assert t3.elapsed(monday, sh(2025, 3, 4, 9)) == 8 * HOUR
    assert t3.add(monday, t3.elapsed(monday, sh(2025, 3, 4, 9))) == sh(2025, 3, 3, 17)
    assert t3.add(monday, 8 * HOUR + timedelta(microseconds=1)) == sh(2025, 3, 4, 9, 0, 0, 1)
    # a week is 40 hours; Friday 16:00 + 2h is Monday 10:00
    assert t3.elapsed(monday, monday + timedelta(days=7)) == 40 * HOUR
    assert t3.add(sh(2025, 3, 7, 16), 2 * HOUR) == sh(2025, 3, 10, 10)
    assert t3.add(monday, timedelta(0)) == monday
    assert t3.add(sh(2025, 3, 8, 12), timedelta(0)) == sh(2025, 3, 8, 12)


def test_interval_starting_after_closing_and_ending_after_next_close(t3: Calendar) -> None:
    """The classic trap: Monday 18:00 to Tuesday 19:00 is Tuesday's 8 hours, no more."""
    assert t3.elapsed(sh(2025, 3, 3, 18), sh(2025, 3, 4, 19)) == 8 * HOUR
    assert t3.elapsed(sh(2025, 3, 3, 18), sh(2025, 3, 4, 10)) == HOUR
    assert t3.elapsed(sh(2025, 3, 3, 18), sh(2025, 3, 4, 8)) == timedelta(0)
    assert t3.add(sh(2025, 3, 3, 18), 8 * HOUR) == sh(2025, 3, 4, 17)
    assert t3.add(sh(2025, 3, 3, 18), HOUR) == sh(2025, 3, 4, 10)


def test_elapsed_is_antisymmetric(t3: Calendar) -> None:
    a, b = sh(2025, 3, 3, 10), sh(2025, 3, 5, 11, 30)
    assert t3.elapsed(a, b) == timedelta(hours=17, minutes=30)
    assert t3.elapsed(b, a) == -timedelta(hours=17, minutes=30)
    assert t3.elapsed(a, a) == timedelta(0)


def test_negative_durations_go_back(t3: Calendar) -> None:
    # the latest instant with that much business time before: Monday 09:00, not Friday 17:00
    assert t3.add(sh(2025, 3, 4, 9), -8 * HOUR) == sh(2025, 3, 3, 9)
    assert t3.add(sh(2025, 3, 10, 10), -2 * HOUR) == sh(2025, 3, 7, 16)
    assert t3.add(sh(2025, 3, 8, 10), -HOUR) == sh(2025, 3, 7, 16)


def test_results_keep_the_argument_zone(t3: Calendar) -> None:
    start = datetime(2025, 3, 3, 1, tzinfo=UTC)  # Monday 09:00 in Shanghai
    due = t3.add(start, 8 * HOUR)
    assert due.tzinfo is UTC and due == datetime(2025, 3, 3, 9, tzinfo=UTC)
    plus2 = timezone(timedelta(hours=2))
    assert t3.next_open(datetime(2025, 3, 3, 0, tzinfo=plus2)).tzinfo is plus2


def test_is_open_and_next_open(t3: Calendar, t1: Calendar) -> None:
    assert not t3.is_open(sh(2025, 3, 3, 8, 59, 59, 999999))
    assert t3.is_open(sh(2025, 3, 3, 9))
    assert t3.is_open(sh(2025, 3, 3, 16, 59, 59, 999999))
    assert not t3.is_open(sh(2025, 3, 3, 17))
    assert not t3.is_open(sh(2025, 3, 8, 12))  # Saturday
    assert t3.next_open(sh(2025, 3, 3, 12)) == sh(2025, 3, 3, 12)
    assert t3.next_open(sh(2025, 3, 3, 17)) == sh(2025, 3, 4, 9)
    assert t3.next_open(sh(2025, 3, 7, 18)) == sh(2025, 3, 10, 9)
    # New Year's Day off, Friday 2 Jan off (substituted), Sunday 4 Jan a makeup workday
    assert t3.next_open(sh(2025, 12, 31, 18)) == sh(2026, 1, 4, 9)
    assert t1.is_open(sh(2025, 1, 29, 3))  # 7x24 ignores holidays


def test_microsecond_exact(t2: Calendar) -> None:
    a = sh(2025, 3, 3, 19, 59, 59, 999_999)
    assert t2.elapsed(a, sh(2025, 3, 4, 8, 0, 0, 1)) == timedelta(microseconds=2)
    assert t2.add(a, timedelta(microseconds=2)) == sh(2025, 3, 4, 8, 0, 0, 1)
    u = datetime(2025, 3, 3, 4, 0, 0, 123_457, tzinfo=UTC)
    assert t2.elapsed(u, u + timedelta(hours=30)) == timedelta(hours=18)


def test_naive_datetimes_are_refused(t3: Calendar) -> None:
    naive, aware = datetime(2025, 3, 3, 9), sh(2025, 3, 3, 9)
    with pytest.raises(NaiveDatetimeError, match="start must be a timezone-aware"):
        t3.elapsed(naive, aware)
    with pytest.raises(NaiveDatetimeError, match="end must be"):
        t3.elapsed(aware, naive)
    with pytest.raises(ValueError, match="start"):
        t3.add(naive, HOUR)
    with pytest.raises(ValueError, match="instant"):
        t3.is_open(naive)
    with pytest.raises(ValueError, match="instant"):
        t3.next_open(naive)
    assert issubclass(NaiveDatetimeError, ValueError)
    with pytest.raises(TypeError, match="timedelta"):
        t3.add(aware, 3600)  # type: ignore[arg-type]


def test_years_outside_the_range_are_refused(t3: Calendar) -> None:
    with pytest.raises(OutOfRangeError, match="1900-2200"):
        t3.elapsed(sh(2025, 1, 1), sh(2301, 1, 1))
    with pytest.raises(OutOfRangeError):
        t3.is_working_day(date(1850, 1, 1))
    with pytest.raises(OutOfRangeError):
        t3.add(sh(2025, 1, 1), timedelta(days=200 * 365))
    assert issubclass(OutOfRangeError, ValueError)


def test_far_instants_and_lazy_extension() -> None:
    """Past 2038 the float fast path is not exact: the exact path takes over."""
    cal = Calendar.for_tier(3, "UTC", None)
    week = datetime(2025, 3, 3, 9, tzinfo=UTC)
    assert cal.elapsed(week, week + timedelta(days=7)) == 40 * HOUR
    far = datetime(2100, 3, 1, 10, 0, 0, 1, tzinfo=UTC)  # a Monday
    assert cal.elapsed(far, far + timedelta(days=7)) == 40 * HOUR
    assert cal.add(far, 7 * HOUR - timedelta(microseconds=1)) == datetime(
        2100, 3, 1, 17, tzinfo=UTC
    )
    assert cal.is_open(far) and cal.next_open(far) == far
    old = datetime(1901, 3, 4, 9, tzinfo=UTC)  # a Monday
    assert cal.elapsed(old, old + timedelta(days=1)) == 8 * HOUR
    # the index grew to cover 1901..2101 without changing earlier answers
    assert cal.elapsed(week, week + timedelta(days=7)) == 40 * HOUR
    assert cal.elapsed(old, far) == cal.elapsed(old, week) + cal.elapsed(week, far)


def test_concurrent_first_use() -> None:
    cal = Calendar.for_tier(2)
    results: list[timedelta] = []
    start = sh(2025, 3, 3)

    def work(years: int) -> None:
        end = start + timedelta(days=365 * years)
        results.append(cal.elapsed(start, end) - cal.elapsed(start, end))
        results.append(cal.elapsed(start, start + timedelta(days=1)))

    threads = [threading.Thread(target=work, args=(y,)) for y in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(results)) == [timedelta(0), 12 * HOUR]


# ---------------------------------------------------------------------- Chinese calendar


def test_package_data_for_china() -> None:
    """What the tests below rely on, checked against the installed package."""
    cn25 = holidays.country_holidays("CN", years=2025)
    cn26 = holidays.country_holidays("CN", years=2026)
    assert {date(2025, 1, 26), date(2025, 2, 8)} <= cn25.weekend_workdays
    assert all(date(2025, 1, 28) + timedelta(days=i) in cn25 for i in (0, 1, 2, 3, 6, 7))
    assert {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28)} <= cn26.weekend_workdays
    assert date(2026, 2, 17) in cn26 and date(2026, 2, 23) in cn26


def test_makeup_workdays_and_spring_festival_2025(t3: Calendar, t2: Calendar, t1: Calendar) -> None:
    sunday, saturday = date(2025, 1, 26), date(2025, 2, 8)
    assert sunday.weekday() == 6 and saturday.weekday() == 5
    assert t3.is_working_day(sunday) and t3.is_working_day(saturday)
    # a makeup Sunday on 5x8 gets the normal weekday hours
    assert t3.elapsed(sh(2025, 1, 26), sh(2025, 1, 27)) == 8 * HOUR
    assert t3.is_open(sh(2025, 1, 26, 9)) and not t3.is_open(sh(2025, 1, 26, 17))
    # Spring Festival 2025-01-28 .. 2025-02-04 is off (the 1st and 2nd are a weekend)
    for i in range(8):
        day = date(2025, 1, 28) + timedelta(days=i)
        assert not t3.is_working_day(day), day
        assert t1.is_working_day(day), day
        # 7x12 skips the package's holidays; the package does not list the weekend in the
        # middle of the break (1-2 Feb), so a 7-day calendar opens then (store overrides can
        # close it)
        assert t2.is_working_day(day) == (day.weekday() >= 5), day
    assert t3.elapsed(sh(2025, 1, 27, 17), sh(2025, 2, 5, 9)) == timedelta(0)
    assert t2.elapsed(sh(2025, 1, 27), sh(2025, 2, 6)) == 12 * HOUR * 4  # 27th, 1st, 2nd, 5th
    assert t1.elapsed(sh(2025, 1, 27), sh(2025, 2, 6)) == 24 * HOUR * 10
    # Friday 24 Jan 16:00 + 2 business hours: Sunday 26 Jan (makeup) 10:00
    assert t3.add(sh(2025, 1, 24, 16), 2 * HOUR) == sh(2025, 1, 26, 10)
    assert t3.add(sh(2025, 1, 27, 16), 2 * HOUR) == sh(2025, 2, 5, 10)
    assert t3.add_working_days(date(2025, 1, 24), 1) == sunday
    assert t3.add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert t3.add_working_days(date(2025, 2, 7), 1) == saturday
    assert t3.add_working_days(date(2025, 2, 5), -1) == date(2025, 1, 27)


def test_spring_festival_2026(t3: Calendar) -> None:
    assert t3.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # makeup Saturday
    assert t3.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert t3.add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert t3.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)  # makeup Sunday
    assert t3.elapsed(sh(2026, 2, 14), sh(2026, 2, 25)) == 16 * HOUR


def test_overrides_from_the_store() -> None:
    """extra_holidays close a day (even a makeup day); extra_workdays open one."""
    cal = Calendar.for_tier(
        3,
        extra_holidays=[date(2025, 3, 7), date(2025, 2, 8)],
        extra_workdays=[date(2025, 1, 29), date(2025, 3, 8)],
    )
    assert not cal.is_working_day(date(2025, 3, 7))
    assert not cal.is_working_day(date(2025, 2, 8))  # the makeup Saturday, cancelled
    assert cal.is_working_day(date(2025, 1, 29))  # Spring Festival, yet a company workday
    assert cal.is_working_day(date(2025, 3, 8))  # a Saturday
    assert cal.elapsed(sh(2025, 3, 6, 9), sh(2025, 3, 10, 9)) == 16 * HOUR  # Thu + Sat
    assert cal.extra_holidays == frozenset({date(2025, 3, 7), date(2025, 2, 8)})
    # a year the package does not know yet: the store's days still count
    future = Calendar.for_tier(3, extra_holidays=[date(2031, 2, 3)], extra_workdays=[])
    assert not future.is_working_day(date(2031, 2, 3))
    with pytest.raises(ValueError, match="both"):
        Calendar.for_tier(3, extra_holidays=[date(2025, 3, 7)], extra_workdays=[date(2025, 3, 7)])
    with pytest.raises(TypeError, match="dates"):
        Calendar.for_tier(3, extra_holidays=[datetime(2025, 3, 7, tzinfo=UTC)])


def test_no_holidays_when_not_skipping() -> None:
    cal = Calendar.for_tier(3, skip_holidays=False, extra_holidays=[date(2025, 3, 7)])
    assert cal.is_working_day(date(2025, 1, 29)) and cal.is_working_day(date(2025, 3, 7))
    assert not cal.is_working_day(date(2025, 1, 26))  # no makeup days either
    plain = Calendar.for_tier(3, country=None)
    assert plain.is_working_day(date(2025, 1, 29))


# ---------------------------------------------------------------------- working days


def test_add_working_days(t3: Calendar) -> None:
    friday, saturday = date(2025, 3, 7), date(2025, 3, 8)
    assert t3.add_working_days(friday, 1) == date(2025, 3, 10)
    assert t3.add_working_days(saturday, 1) == date(2025, 3, 10)
    assert t3.add_working_days(saturday, -1) == friday
    assert t3.add_working_days(date(2025, 3, 10), -1) == friday
    assert t3.add_working_days(saturday, 0) == date(2025, 3, 10)
    assert t3.add_working_days(friday, 0) == friday
    assert t3.add_working_days(friday, 5) == date(2025, 3, 14)
    # long spans extend the index lazily, and come back
    far = t3.add_working_days(friday, 2000)
    assert far.year == 2033
    assert t3.add_working_days(far, -2000) == friday
    with pytest.raises(TypeError, match="date"):
        t3.add_working_days(datetime(2025, 3, 7, tzinfo=SH), 1)


def test_working_days_agree_with_hours(t3: Calendar) -> None:
    day = date(2024, 12, 20)
    for _ in range(120):
        nxt = t3.add_working_days(day, 1)
        assert t3.is_working_day(nxt)
        gap = (nxt - day).days
        assert all(not t3.is_working_day(day + timedelta(days=i)) for i in range(1, gap))
        start = datetime.combine(nxt, time(), SH)
        assert t3.elapsed(start, start + timedelta(days=1)) == 8 * HOUR
        day = nxt


# ---------------------------------------------------------------------- DST and zones


def test_a_seven_by_twenty_four_day_follows_dst() -> None:
    cal = Calendar.for_tier(1, "Europe/Berlin", "DE")

    def day(y: int, m: int, d: int) -> timedelta:
        start = datetime(y, m, d, tzinfo=BERLIN)
        return cal.elapsed(start, datetime.combine(start + timedelta(days=1), time(), BERLIN))

    assert day(2025, 3, 30) == 23 * HOUR
    assert day(2025, 10, 26) == 25 * HOUR
    assert day(2025, 3, 29) == 24 * HOUR
    assert cal.add(datetime(2025, 3, 30, tzinfo=BERLIN), 23 * HOUR) == datetime(
        2025, 3, 31, tzinfo=BERLIN
    )
    # results in the repeated hour carry their fold: 02:30 CEST, then 02:30 CET
    start = datetime(2025, 10, 26, 2, tzinfo=BERLIN)
    first, second = cal.add(start, HOUR / 2), cal.add(start, HOUR * 3 / 2)
    assert (first.hour, first.minute, first.fold) == (2, 30, 0)
    assert (second.hour, second.minute, second.fold) == (2, 30, 1)
    assert second.timestamp() - first.timestamp() == 3600


def test_dst_change_at_midnight() -> None:
    """São Paulo sprang forward at 00:00 on 2018-11-04: that day starts at 01:00."""
    sp = ZoneInfo("America/Sao_Paulo")
    cal = Calendar.for_tier(1, sp, None)
    start = datetime(2018, 11, 3, 12, tzinfo=sp)
    assert cal.elapsed(start, datetime(2018, 11, 5, tzinfo=sp)) == 35 * HOUR
    night_shift = Calendar({6: [("00:00", "08:00")]}, tz=sp, country=None)
    sunday_noon = datetime(2018, 11, 4, 12, tzinfo=sp)
    assert night_shift.elapsed(sunday_noon - timedelta(days=1), sunday_noon) == 7 * HOUR
    assert night_shift.next_open(sunday_noon - timedelta(days=1)) == datetime(
        2018, 11, 4, 3, tzinfo=UTC
    )


def test_window_edges_in_a_gap_or_a_fold() -> None:
    """Spring forward: an edge at a skipped time is the change itself (03:00 CEST);
    fall back: an edge at a repeated time is its first occurrence."""
    cal = Calendar({6: [("02:30", "04:00")], 0: [("02:10", "02:50")]}, tz=BERLIN, country=None)
    sunday = datetime(2025, 3, 30, tzinfo=BERLIN)
    # (compare instants: Python never finds an ambiguous or missing local time equal to
    # a datetime of another zone)
    assert cal.next_open(sunday).timestamp() == datetime(2025, 3, 30, 1, tzinfo=UTC).timestamp()
    assert cal.elapsed(sunday, sunday + timedelta(hours=12)) == HOUR
    autumn = Calendar({6: [("02:30", "03:30")]}, tz=BERLIN, country=None)
    fall = datetime(2025, 10, 26, tzinfo=BERLIN)
    opens = autumn.next_open(fall)
    assert opens.timestamp() == datetime(2025, 10, 26, 0, 30, tzinfo=UTC).timestamp()
    assert opens.fold == 0 and opens.hour == 2
    assert autumn.elapsed(fall, fall + timedelta(hours=12)) == 2 * HOUR
    # a window swallowed whole by the gap is empty, its day still a working day
    gap = Calendar({6: [("02:10", "02:50")], 0: [("09:00", "10:00")]}, tz=BERLIN, country=None)
    assert gap.elapsed(sunday, sunday + timedelta(hours=12)) == timedelta(0)
    assert gap.is_working_day(date(2025, 3, 30))


def test_same_answer_in_any_input_zone(t3: Calendar) -> None:
    a = sh(2025, 3, 3, 10)
    b = sh(2025, 3, 12, 15, 45)
    want = t3.elapsed(a, b)
    for zone in (UTC, BERLIN, timezone(timedelta(hours=-9, minutes=-30))):
        assert t3.elapsed(a.astimezone(zone), b.astimezone(zone)) == want
        assert t3.add(a.astimezone(zone), want) == b


# ---------------------------------------------------------------------- custom windows


def test_custom_windows() -> None:
    cal = Calendar(
        {d: [("13:30", "18:00"), ("09:00", "12:00")] for d in range(5)}, tz="Asia/Shanghai"
    )
    assert cal.weekly_hours[0] == (("09:00", "12:00"), ("13:30", "18:00"))
    monday = sh(2025, 3, 3)
    assert cal.elapsed(monday, monday + timedelta(days=1)) == timedelta(hours=7, minutes=30)
    assert cal.add(sh(2025, 3, 3, 11), 2 * HOUR) == sh(2025, 3, 3, 14, 30)
    assert cal.add(sh(2025, 3, 3, 9), 3 * HOUR) == sh(2025, 3, 3, 12)  # the earliest
    assert not cal.is_open(sh(2025, 3, 3, 12, 30))
    assert cal.next_open(sh(2025, 3, 3, 12, 30)) == sh(2025, 3, 3, 13, 30)
    # a makeup Sunday borrows Monday's windows
    assert cal.elapsed(sh(2025, 1, 26), sh(2025, 1, 27)) == timedelta(hours=7, minutes=30)


def test_window_parsing() -> None:
    cal = Calendar(
        {
            0: [(time(9), time(12)), ("11:00", "13:00")],
            4: [("22:00", "24:00")],
            5: [("20:00", time(0))],
        },
        tz="UTC",
        country=None,
    )
    assert cal.weekly_hours == {
        0: (("09:00", "13:00"),),
        4: (("22:00", "24:00"),),
        5: (("20:00", "24:00"),),
    }
    # Friday 22:00 .. Saturday 24:00 is one stretch across midnight
    friday = datetime(2025, 3, 7, 22, tzinfo=UTC)
    assert cal.add(friday, 3 * HOUR) == datetime(2025, 3, 8, 21, tzinfo=UTC)
    assert Calendar({2: [("09:00:30", "09:01")]}, tz="UTC", country=None).weekly_hours == {
        2: (("09:00:30", "09:01"),)
    }
    bad: list[tuple[dict[int, list[tuple[str | time, str | time]]], str]] = [
        ({0: [("12:00", "09:00")]}, "close after"),
        ({0: [("24:00", "24:00")]}, "only close"),
        ({0: [("9am", "17:00")]}, "HH:MM"),
        ({0: [("09:61", "17:00")]}, "bad time"),
        ({7: [("09:00", "17:00")]}, "weekday"),
        ({0: []}, "at least one"),
        ({0: [(time(9, tzinfo=UTC), "17:00")]}, "local times"),
    ]
    for windows, message in bad:
        with pytest.raises(ValueError, match=message):
            Calendar(windows, tz="UTC", country=None)
    with pytest.raises(ValueError, match="time zone"):
        Calendar.for_tier(3, "Mars/Olympus")
    with pytest.raises(ValueError, match="holiday data"):
        Calendar.for_tier(3, country="XX")
    with pytest.raises(ValueError, match="makeup_weekday"):
        Calendar({0: [("09:00", "17:00")]}, makeup_weekday=9)


# ---------------------------------------------------------------------- batch forms


def test_batch_forms(t3: Calendar) -> None:
    starts = [sh(2025, 3, 3, 9), sh(2025, 3, 3, 18), sh(2025, 1, 24, 16), sh(2025, 3, 7, 12)]
    ends = [sh(2025, 3, 4, 9), sh(2025, 3, 4, 19), sh(2025, 2, 5, 10), sh(2025, 3, 3, 12)]
    got = t3.elapsed_batch(starts, ends)
    assert got.dtype == np.dtype("timedelta64[us]")
    assert list(got.tolist()) == [t3.elapsed(a, b) for a, b in zip(starts, ends, strict=True)]
    durations = [8 * HOUR, -HOUR, 2 * HOUR, timedelta(0)]
    due = t3.add_batch(starts, durations)
    assert due.dtype == np.dtype("datetime64[us]")
    assert [d.replace(tzinfo=UTC) for d in due.tolist()] == [
        t3.add(a, d) for a, d in zip(starts, durations, strict=True)
    ]
    # datetime64 in any unit is read as UTC
    ns = np.array(["2025-03-03T01:00:00.000000001"], dtype="datetime64[ns]")
    assert t3.elapsed_batch(ns, ns + np.timedelta64(1, "D")).tolist() == [8 * HOUR]
    assert t3.elapsed_batch([], []).shape == (0,)
    assert t3.add_batch(np.array([], dtype="datetime64[s]"), []).shape == (0,)
    with pytest.raises(NaiveDatetimeError, match="starts"):
        t3.elapsed_batch([datetime(2025, 3, 3)], [sh(2025, 3, 3)])
    with pytest.raises(ValueError, match="NaT"):
        t3.elapsed_batch(np.array(["NaT"], dtype="datetime64[s]"), ns)
    with pytest.raises(TypeError, match="datetime64"):
        t3.elapsed_batch(np.array([1.5]), ns)
    with pytest.raises(TypeError, match="timedelta"):
        t3.add_batch(ns, ["1h"])


def test_batch_grows_the_index() -> None:
    cal = Calendar.for_tier(3, "UTC", None)
    start = np.array(["2025-03-03T09:00"], dtype="datetime64[us]")
    years = np.array([8 * 3600 * 10**6 * 261 * 30], dtype="timedelta64[us]")  # ~30 years
    due = cal.add_batch(start, years)
    back = cal.add_batch(due, -years)
    assert back.tolist() == start.tolist()
    assert cal.elapsed_batch(start, due).tolist() == years.tolist()


def test_many_short_windows() -> None:
    """Openings much closer together than on average: several share a lookup bucket."""
    minutes = [(f"09:{m:02d}", f"09:{m + 1:02d}") for m in range(0, 20, 2)]
    cal = Calendar({0: minutes, 3: [("14:00", "14:30")]}, tz="UTC", country=None)
    rng = np.random.default_rng(3)
    base = int(datetime(2025, 3, 3, tzinfo=UTC).timestamp()) // 60
    for _ in range(100):
        a, b = sorted(int(x) for x in rng.integers(base, base + 15 * 1440, 2))
        count = 0
        for m in range(a, b):
            t = datetime.fromtimestamp(m * 60, UTC)
            hm = t.hour * 60 + t.minute
            count += (t.weekday() == 0 and 540 <= hm < 560 and hm % 2 == 0) or (
                t.weekday() == 3 and 840 <= hm < 870
            )
        start, end = datetime.fromtimestamp(a * 60, UTC), datetime.fromtimestamp(b * 60, UTC)
        assert cal.elapsed(start, end) == timedelta(minutes=count)
        assert cal.is_open(start) == cal.is_open(start + timedelta(seconds=30))
