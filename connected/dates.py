"""The one owner of Mailchimp's scheduling grid: campaigns go out on UTC quarter hours.

`make publish` (SCHEDULE_DELAY_MINUTES) and the Mailchimp backend (a schedule it must move
into the future) both round to that grid; one rule, so both agree on the minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

QUARTER = timedelta(minutes=15)


def quarter_hour_at_or_after(moment: datetime) -> datetime:
    """`moment` in UTC, rounded UP to :00/:15/:30/:45 (unchanged when already on one)."""
    moment = moment.astimezone(UTC)
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + QUARTER
