"""Digest periods in the site's time zone (Europe/London's DST changes), identity, selection,
and the settings' messages. Pure functions: no build."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connected.newsletter_settings import SettingsError, newsletter_settings
from scripts.digest import (
    DigestError,
    Period,
    digest_uuid,
    due_posts,
    parse_now,
    period_at,
    site_timezone,
)

LONDON = ZoneInfo("Europe/London")
BASE = {"SITENAME": "Site", "AUTHOR_PROFILE": {"NAME": "Ada", "EMAIL": "ada@example.com"}}


def nl(**digest) -> dict:
    return newsletter_settings({**BASE, "NEWSLETTER": digest})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


WEEKLY = nl(CADENCE="weekly", DIGEST_DAY="Monday", DIGEST_TIME="09:00")


@pytest.mark.parametrize(
    ("now", "send_at", "start", "next_send"),
    [
        # Spring forward (Sunday 29 March 2026): Monday 23rd 09:00 is GMT, the 30th is BST.
        ("2026-03-30 07:59:59", "2026-03-23 09:00", "2026-03-16 09:00", "2026-03-30 08:00"),
        ("2026-03-30 08:00:00", "2026-03-30 08:00", "2026-03-23 09:00", "2026-04-06 08:00"),
        # Fall back (Sunday 25 October 2026): the 19th is BST, the 26th GMT.
        ("2026-10-26 08:30:00", "2026-10-19 08:00", "2026-10-12 08:00", "2026-10-26 09:00"),
        ("2026-10-26 09:00:00", "2026-10-26 09:00", "2026-10-19 08:00", "2026-11-02 09:00"),
        # A Monday before 09:00 local belongs to the week before.
        ("2026-11-30 08:59:59", "2026-11-23 09:00", "2026-11-16 09:00", "2026-11-30 09:00"),
        # Sunday evening.
        ("2026-11-29 23:00:00", "2026-11-23 09:00", "2026-11-16 09:00", "2026-11-30 09:00"),
    ],
)
def test_weekly_send_moments_stay_at_local_nine_across_dst(now, send_at, start, next_send):
    period = period_at(utc(now), WEEKLY, LONDON)
    assert period == Period(start=utc(start), send_at=utc(send_at), next_send=utc(next_send))
    assert period.send_at.astimezone(LONDON).strftime("%a %H:%M") == "Mon 09:00"


def test_period_spanning_the_change_is_an_hour_short_or_long():
    spring = period_at(utc("2026-03-30 08:00"), WEEKLY, LONDON)
    autumn = period_at(utc("2026-10-26 09:00"), WEEKLY, LONDON)
    assert spring.send_at - spring.start == timedelta(hours=167)
    assert autumn.send_at - autumn.start == timedelta(hours=169)


def test_a_time_the_clocks_skip_or_repeat():
    sunday = nl(CADENCE="weekly", DIGEST_DAY="sunday", DIGEST_TIME="01:30")
    # 29 March 2026, 01:30 London does not exist: taken as 02:30 BST (01:30 UTC).
    spring = period_at(utc("2026-03-29 12:00"), sunday, LONDON)
    assert spring.send_at == utc("2026-03-29 01:30")
    assert spring.send_at.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"
    # 25 October 2026, 01:30 happens twice: the first (BST, 00:30 UTC).
    autumn = period_at(utc("2026-10-25 00:45"), sunday, LONDON)
    assert autumn.send_at == utc("2026-10-25 00:30")
    assert period_at(utc("2026-10-25 00:29"), sunday, LONDON).send_at == utc("2026-10-18 00:30")


def test_monthly_moments_roll_over_months_and_years():
    monthly = nl(CADENCE="monthly", DIGEST_DAY=28, DIGEST_TIME="18:15")
    period = period_at(utc("2026-03-28 18:14"), monthly, LONDON)
    assert period.send_at == utc("2026-02-28 18:15")
    assert period.next_send == utc("2026-03-28 18:15")  # still GMT on the 28th
    later = period_at(utc("2026-04-28 17:15"), monthly, LONDON)
    assert later.send_at == utc("2026-04-28 17:15")  # 18:15 BST
    january = period_at(utc("2026-01-05 12:00"), nl(CADENCE="monthly", DIGEST_DAY=10), LONDON)
    assert (january.start, january.send_at) == (utc("2025-11-10 09:00"), utc("2025-12-10 09:00"))


def test_post_at_the_send_moment_belongs_to_that_digest():
    period = period_at(utc("2026-11-30 09:00"), WEEKLY, LONDON)
    posts = [
        {"uuid": "a", "date": "2026-11-30T09:00:00+00:00"},
        {"uuid": "b", "date": "2026-11-30T09:00:01+00:00"},
        {"uuid": "c", "date": "2026-11-24T10:00:00+00:00"},
        {"uuid": "d", "date": "2026-11-12T10:00:00+00:00"},  # older, never mailed: goes too
    ]
    assert [p["uuid"] for p in due_posts(posts, period)] == ["a", "c", "d"]


def test_digest_identity_is_stable_and_names_site_audience_and_period():
    start = utc("2026-11-23 09:00")
    one = digest_uuid("https://a.example", "list1", "weekly", start)
    assert one == digest_uuid("https://a.example/", "list1", "weekly", start.astimezone(LONDON))
    others = {
        digest_uuid("https://b.example", "list1", "weekly", start),
        digest_uuid("https://a.example", "list2", "weekly", start),
        digest_uuid("https://a.example", "list1", "monthly", start),
        digest_uuid("https://a.example", "list1", "weekly", start + timedelta(weeks=1)),
    }
    assert one not in others and len(others) == 4


@pytest.mark.parametrize(
    ("digest", "message"),
    [
        ({"CADENCE": "daily"}, "NEWSLETTER['CADENCE'] is 'daily': use \"each\", \"weekly\" or \"monthly\""),
        ({"CADENCE": "weekly", "DIGEST_DAY": "Mon"}, "NEWSLETTER['DIGEST_DAY'] is 'Mon', but a weekly digest needs a weekday"),
        ({"CADENCE": "monthly", "DIGEST_DAY": 31}, "NEWSLETTER['DIGEST_DAY'] is 31, but a monthly digest needs a day of the month"),
        ({"CADENCE": "monthly", "DIGEST_DAY": "friday"}, "NEWSLETTER['DIGEST_DAY'] is 'friday'"),
        ({"CADENCE": "weekly", "DIGEST_TIME": "9am"}, "NEWSLETTER['DIGEST_TIME'] is '9am': write a 24-hour time"),
        ({"CADENCE": "weekly", "DIGEST_TIME": "24:00"}, "NEWSLETTER['DIGEST_TIME'] is '24:00'"),
        ({"DIGEST_SUBJECT": "{site} {title}"}, "NEWSLETTER['DIGEST_SUBJECT'] is '{site} {title}', not a subject template"),
    ],
)
def test_bad_digest_settings_name_the_key(digest, message):
    with pytest.raises(SettingsError) as caught:
        nl(**digest)
    assert message in str(caught.value)
    assert str(caught.value).endswith("(in pelicanconf.py).")


def test_defaults_are_each_and_monday_nine():
    defaults = nl()
    assert (defaults["CADENCE"], defaults["DIGEST_DAY"], defaults["DIGEST_TIME"]) == ("each", 0, (9, 0))


def test_bad_timezone_and_bad_now_are_one_line_each():
    with pytest.raises(DigestError, match=r"TIMEZONE is 'Mars/Olympus'.*IANA name"):
        site_timezone({"TIMEZONE": "Mars/Olympus"})
    with pytest.raises(DigestError, match=r"CONNECTED_NOW='2026-11-30 09:00' is not an ISO 8601 moment with an offset"):
        parse_now("2026-11-30 09:00")
    assert parse_now("2026-11-30T10:00:00+01:00") == utc("2026-11-30 09:00")
