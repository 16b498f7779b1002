"""Date quirks of the registry providers, read into :class:`datetime.date`.

企查查 sends strings of several vintages, 天眼查 epoch milliseconds at CST (or,
for older records, UTC) midnight; a business term without an end (长期) is
null, empty, a 9999 sentinel or a word (:data:`portal.domain.amounts.OPEN_ENDED`).
China has had no daylight saving since 1991, so a fixed +08:00 offset is exact.

>>> parse_date('2010-03-03T00:00:00+08:00'), parse_date('1992-09-28 12:00:00')
(datetime.date(2010, 3, 3), datetime.date(1992, 9, 28))
>>> parse_date(847900800000), parse_date(1288569600000)
(datetime.date(1996, 11, 14), datetime.date(2010, 11, 1))
>>> parse_term_end('长期') is None, parse_term_end(253402185600000) is None
(True, True)
>>> parse_term_end('2030-03-02')
datetime.date(2030, 3, 2)
>>> next_midnight(datetime(2026, 11, 26, 17, 0, tzinfo=UTC)).isoformat()  # 01:00, 27th
'2026-11-28T00:00:00+08:00'
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from portal.domain import amounts
from portal.domain.errors import InvalidFormat

CST = timezone(timedelta(hours=8), "CST")


def parse_date(value: object) -> date | None:
    """Read a provider date (string of any vintage or epoch ms); None if absent or unreadable."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=CST).date()
    text = str(value).strip()
    if text.isdigit() and len(text) >= 11:
        return parse_date(int(text))
    try:  # the calendar day of "2010-03-03T00:00:00+08:00", "1992-09-28 12:00:00" ...
        return amounts.parse_date(text[:10])
    except InvalidFormat:
        return None


def parse_term_end(value: object) -> date | None:
    """Read the end of a business term; None means open-ended (长期)."""
    if isinstance(value, str) and amounts.is_open_ended(value):
        return None
    end = parse_date(value)
    if end is None or end.year >= 9999:
        return None
    return end


def today_in_china(now: datetime) -> date:
    """The calendar date in China at an aware instant."""
    return now.astimezone(CST).date()


def next_midnight(now: datetime) -> datetime:
    """The next midnight in China, when providers reset daily quotas."""
    return datetime.combine(today_in_china(now) + timedelta(days=1), time(0), tzinfo=CST)


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


__all__ = ["CST", "next_midnight", "parse_date", "parse_term_end", "today_in_china", "utc_now"]
