"""Per-store local time and deadlines, cached: the generator asks for the same few thousand
(regime, day, country) deadlines hundreds of thousands of times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lib.core.deadlines import compute_deadline
from lib.core.demo.clock import EPOCH_UTC, HOUR, ONE_US
from lib.core.demo.plan import StorePlan


class Calendar:
    """Per-store local days and local wall-clock instants, and cached deadlines."""

    def __init__(self, store: StorePlan) -> None:
        self.zone = ZoneInfo(store.timezone)
        self._days: dict[int, date] = {}
        self._deadlines: dict[tuple[str, date, str | None, str | None], Due] = {}

    def day(self, us: int) -> date:
        """Local calendar day of an instant (offsets here change on whole UTC hours)."""
        hour = us // HOUR
        found = self._days.get(hour)
        if found is None:
            utc = EPOCH_UTC + timedelta(hours=hour)
            found = self._days[hour] = utc.astimezone(self.zone).date()
        return found

    def at(self, day: date, hour: int) -> int:
        """The instant (µs) of a local wall-clock hour on `day`."""
        return (
            datetime(day.year, day.month, day.day, hour, tzinfo=self.zone) - EPOCH_UTC
        ) // ONE_US

    def deadline(self, regime: str, day: date, country: str | None, sub: str | None) -> Due:
        """compute_deadline, cached per (regime, received day, country, subdivision)."""
        key = (regime, day, country, sub)
        found = self._deadlines.get(key)
        if found is None:
            d = compute_deadline(regime, day, country, subdivision=sub)
            ext = d.extended_due
            found = self._deadlines[key] = Due(
                due=d.due.isoformat(),
                target=d.target.isoformat(),
                confirm_by=d.confirm_by.isoformat() if d.confirm_by else None,
                extended=ext.isoformat() if ext else None,
                due_close=self.at(d.due, 17),
                due_late=self.at(d.due + timedelta(days=1), 9),
                ext_close=self.at(ext, 17) if ext else 0,
                ext_late=self.at(ext + timedelta(days=1), 9) if ext else 0,
                contract=(day + timedelta(days=30)).isoformat(),
            )
        return found


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline as the generator needs it: ISO dates, and local 17:00 / next-day 09:00."""

    due: str
    target: str
    confirm_by: str | None
    extended: str | None
    due_close: int
    due_late: int
    ext_close: int
    ext_late: int
    contract: str
