"""Every SOQL date literal as a [start, end) day range around today, fiscal ones in the org's fiscal year."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from localorg.soql.ast import Literal, SoqlError

# Literals without a number: name -> (unit, offset in units from the current one).
FIXED = {
    "YESTERDAY": ("day", -1), "TODAY": ("day", 0), "TOMORROW": ("day", 1),
    "LAST_WEEK": ("week", -1), "THIS_WEEK": ("week", 0), "NEXT_WEEK": ("week", 1),
    "LAST_MONTH": ("month", -1), "THIS_MONTH": ("month", 0), "NEXT_MONTH": ("month", 1),
    "LAST_QUARTER": ("quarter", -1), "THIS_QUARTER": ("quarter", 0), "NEXT_QUARTER": ("quarter", 1),
    "LAST_YEAR": ("year", -1), "THIS_YEAR": ("year", 0), "NEXT_YEAR": ("year", 1),
    "LAST_FISCAL_QUARTER": ("fiscal_quarter", -1), "THIS_FISCAL_QUARTER": ("fiscal_quarter", 0),
    "NEXT_FISCAL_QUARTER": ("fiscal_quarter", 1), "LAST_FISCAL_YEAR": ("fiscal_year", -1),
    "THIS_FISCAL_YEAR": ("fiscal_year", 0), "NEXT_FISCAL_YEAR": ("fiscal_year", 1),
}
# Literals with `:n`: name -> (unit, form). LAST_n: the n whole units before the current one; NEXT_n: the
# n after it; AGO: the one unit n units back. Days differ: LAST_N_DAYS includes today, NEXT_N_DAYS starts tomorrow.
WITH_N = {
    "LAST_N_DAYS": ("day", "last"), "NEXT_N_DAYS": ("day", "next"), "N_DAYS_AGO": ("day", "ago"),
    "LAST_N_WEEKS": ("week", "last"), "NEXT_N_WEEKS": ("week", "next"), "N_WEEKS_AGO": ("week", "ago"),
    "LAST_N_MONTHS": ("month", "last"), "NEXT_N_MONTHS": ("month", "next"), "N_MONTHS_AGO": ("month", "ago"),
    "LAST_N_QUARTERS": ("quarter", "last"), "NEXT_N_QUARTERS": ("quarter", "next"),
    "N_QUARTERS_AGO": ("quarter", "ago"), "LAST_N_YEARS": ("year", "last"), "NEXT_N_YEARS": ("year", "next"),
    "N_YEARS_AGO": ("year", "ago"), "LAST_N_FISCAL_QUARTERS": ("fiscal_quarter", "last"),
    "NEXT_N_FISCAL_QUARTERS": ("fiscal_quarter", "next"), "N_FISCAL_QUARTERS_AGO": ("fiscal_quarter", "ago"),
    "LAST_N_FISCAL_YEARS": ("fiscal_year", "last"), "NEXT_N_FISCAL_YEARS": ("fiscal_year", "next"),
    "N_FISCAL_YEARS_AGO": ("fiscal_year", "ago"),
}
_MONTHS = {"month": 1, "quarter": 3, "year": 12, "fiscal_quarter": 3, "fiscal_year": 12}


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _unit_start(unit: str, today: date, fiscal_start: int) -> date:
    """First day of the unit (week from Sunday, as the en_US locale counts) that holds today."""
    if unit == "day":
        return today
    if unit == "week":
        return today - timedelta(days=(today.weekday() + 1) % 7)
    month = date(today.year, today.month, 1)
    if unit == "month":
        return month
    anchor = fiscal_start if unit.startswith("fiscal") else 1
    into = (today.month - anchor) % 12  # months since the (fiscal) year began
    return _add_months(month, -(into % _MONTHS[unit]))


def _shift(unit: str, start: date, count: int) -> date:
    """`start` moved by `count` units."""
    if unit == "day":
        return start + timedelta(days=count)
    if unit == "week":
        return start + timedelta(days=7 * count)
    return _add_months(start, _MONTHS[unit] * count)


def day_range(literal: Literal, now: datetime, fiscal_start: int = 1) -> tuple[date, date]:
    """[start, end) days a relative date literal covers, today being `now`'s UTC date.

    Weeks start on Sunday; quarters and years are calendar ones, FISCAL ones start in month
    `fiscal_start` (the org's default fiscal year: 1 = January). An n that leaves the calendar is
    MALFORMED_QUERY.
    """
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).date()
    name, n = literal.value
    try:
        if name in FIXED:
            unit, offset = FIXED[name]
            start = _shift(unit, _unit_start(unit, today, fiscal_start), offset)
            return start, _shift(unit, start, 1)
        if name in ("LAST_90_DAYS", "NEXT_90_DAYS"):
            name, n = ("LAST_N_DAYS" if name.startswith("LAST") else "NEXT_N_DAYS"), 90
        unit, form = WITH_N[name]
        if n > 1_000_000:
            raise OverflowError(n)
        current = _unit_start(unit, today, fiscal_start)
        if form == "ago":
            start = _shift(unit, current, -n)
            return start, _shift(unit, start, 1)
        if form == "next":
            start = _shift(unit, current, 1)
            return start, _shift(unit, start, n)
        if unit == "day":
            return today - timedelta(days=n), today + timedelta(days=1)
        return _shift(unit, current, -n), current
    except (OverflowError, ValueError):
        raise SoqlError("MALFORMED_QUERY", f"Invalid date literal: {literal.raw}") from None
