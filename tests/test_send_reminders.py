"""send_reminders: one e-mail per due rating, never twice, never when recorded, not at night."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from diary import reminders
from diary.models import Reminder, Role
from tests.factories import make_episode, make_user, rating_for

LONDON = ZoneInfo("Europe/London")
# A Friday morning; the clocks go forward on Sunday 29 March, inside the diary's week.
INJECTED = datetime(2026, 3, 27, 10, 0, tzinfo=LONDON)
EVERY_RATING = {
    "provocation",
    *(f"hour-{h}" for h in range(1, 7)),
    *(f"day-{d}" for d in range(1, 8)),
}
CRON = timedelta(minutes=5)  # as often as cron runs it
# Walking a whole week at cron's pace takes seconds; every window is at least 40 minutes long.
QUARTER_HOUR = timedelta(minutes=15)


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def run(now=None, *args):
    out = StringIO()
    options = {"now": now.isoformat()} if now else {}
    call_command("send_reminders", *args, stdout=out, **options)
    return out.getvalue()


def run_through(first, last, step=CRON):
    """Run the command every `step` from `first` to `last`, the clock frozen each time."""
    moment = first
    while moment <= last:
        with time_machine.travel(moment, tick=False):
            run()
        moment += step


def sent_keys(episode):
    return sorted(Reminder.objects.filter(episode=episode).values_list("item_key", flat=True))


def is_night(moment):
    local = moment.astimezone(LONDON).time()
    return local.hour >= 21 or local.hour < 8


@pytest.fixture
def patient_with_email(clinic):
    return make_user("reminded", Role.PATIENT, clinic, email="reminded@example.invalid")


@pytest.fixture
def week(patient_with_email, clinician):
    return make_episode(patient_with_email, clinician, injected_at=INJECTED)


@pytest.mark.django_db
def test_every_due_rating_gets_exactly_one_message_over_the_week_and_none_at_night(week):
    run_through(INJECTED - timedelta(hours=1), INJECTED + timedelta(days=10), QUARTER_HOUR)

    assert sent_keys(week) == sorted(EVERY_RATING)
    assert len(mail.outbox) == len(EVERY_RATING)
    for reminder in Reminder.objects.filter(episode=week):
        assert not is_night(reminder.sent_at), reminder


@pytest.mark.django_db
def test_it_reminds_when_a_rating_falls_due_not_before(week):
    run(INJECTED + timedelta(minutes=19))
    assert mail.outbox == []

    run(INJECTED + timedelta(minutes=20))
    assert sent_keys(week) == ["provocation"]

    run(london(2026, 3, 28, 18, 55))  # day 1 is due at 19:00
    assert "day-1" not in sent_keys(week)
    run(london(2026, 3, 28, 19, 0))
    assert "day-1" in sent_keys(week)


@pytest.mark.django_db
def test_it_reminds_of_a_daily_rating_at_the_patients_chosen_time_across_the_dst_change(week):
    week.daily_time = datetime(2026, 1, 1, 8, 30).time()
    week.save()

    run(london(2026, 3, 30, 8, 25))  # day 3: Monday, on summer time (07:25 UTC)
    assert "day-3" not in sent_keys(week)
    run(datetime(2026, 3, 30, 7, 30, tzinfo=UTC))  # 08:30 in London
    assert "day-3" in sent_keys(week)


@pytest.mark.django_db
def test_the_provocation_test_at_five_to_midnight_gets_its_message(patient_with_email):
    late = make_episode(patient_with_email, injected_at=london(2026, 3, 27, 23, 35))

    run_through(london(2026, 3, 27, 23, 30), london(2026, 3, 28, 7, 55))

    # The hours after midnight are no longer the injection day: they wait, and close by morning.
    assert sent_keys(late) == ["provocation"]
    assert Reminder.objects.get(episode=late).sent_at == london(2026, 3, 27, 23, 55)


@pytest.mark.django_db
def test_the_hourly_ratings_of_an_evening_injection_day_are_reminded_at_night(patient_with_email):
    evening = make_episode(patient_with_email, injected_at=london(2026, 3, 27, 20, 30))

    run_through(london(2026, 3, 27, 20, 30), london(2026, 3, 28, 7, 55))

    # Hours 1–3 fall on the injection day (21:30–23:30); hours 4–6 after midnight wait, and
    # each closes an hour after it opens, long before 08:00.
    assert sent_keys(evening) == ["hour-1", "hour-2", "hour-3", "provocation"]


@pytest.mark.django_db
def test_a_daily_rating_due_at_night_waits_for_the_morning(week):
    week.daily_time = datetime(2026, 1, 1, 22, 0).time()
    week.save()

    run_through(london(2026, 3, 28, 21, 55), london(2026, 3, 29, 8, 5))

    assert sent_keys(week) == ["day-1"]
    assert Reminder.objects.get(episode=week).sent_at == london(2026, 3, 29, 8, 0)


@pytest.mark.django_db
def test_a_recorded_rating_gets_no_message(week):
    for key in ["provocation", "hour-1", "day-3"]:
        rating_for(week, key, 3)

    run_through(INJECTED, INJECTED + timedelta(days=10), QUARTER_HOUR)

    assert sent_keys(week) == sorted(EVERY_RATING - {"provocation", "hour-1", "day-3"})


@pytest.mark.django_db
def test_a_patient_who_turned_reminders_off_gets_none(week, patient_with_email):
    patient_with_email.email_reminders = False
    patient_with_email.save()

    run_through(INJECTED, INJECTED + timedelta(days=2), QUARTER_HOUR)

    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_a_patient_without_an_address_or_an_inactive_one_gets_none(clinic, patient, week):
    make_episode(patient, injected_at=INJECTED)  # the `patient` fixture has no e-mail
    week.patient.is_active = False
    week.patient.save()

    run(INJECTED + timedelta(minutes=25))

    assert mail.outbox == []


@pytest.mark.django_db
def test_the_message_carries_only_the_prompt_and_the_link(week, settings):
    settings.SITE_URL = "https://painlog.example.org"
    rating_for(week, "provocation", 3)  # pain 3: must not appear anywhere

    run(INJECTED + timedelta(hours=1, minutes=5))

    (message,) = mail.outbox
    assert message.to == ["reminded@example.invalid"]
    assert message.subject == "Your painlog rating is due"
    link = f"https://painlog.example.org/diary/{week.uuid}/rate/hour-1/"
    assert link in message.body
    for health_data in ["pain 3", "3/10", "injection", "hour", "triamcinolone", "reminded"]:
        assert health_data.lower() not in message.body.lower().replace(link.lower(), "")


@pytest.mark.django_db
def test_a_dry_run_lists_what_would_be_sent_and_records_nothing(week):
    output = run(INJECTED + timedelta(minutes=25), "--dry-run")

    assert f"would send: episode {week.uuid} provocation" in output
    assert mail.outbox == []
    assert not Reminder.objects.exists()
    assert "sent: episode" in run(INJECTED + timedelta(minutes=25))


@pytest.mark.django_db
def test_a_failed_send_is_given_back_for_the_next_run(week, monkeypatch):
    def broken(reminder):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send", broken)
    with pytest.raises(CommandError):
        run(INJECTED + timedelta(minutes=25))
    assert not Reminder.objects.exists()

    monkeypatch.undo()
    run(INJECTED + timedelta(minutes=26))
    assert sent_keys(week) == ["provocation"]


@pytest.mark.django_db
def test_it_refuses_a_moment_without_a_zone():
    with pytest.raises(CommandError):
        call_command("send_reminders", now="2026-03-27T10:25")


@pytest.mark.django_db
def test_its_queries_do_not_grow_with_the_number_of_episodes(clinic, django_assert_max_num_queries):
    for number in range(10):
        patient = make_user(f"p{number}", Role.PATIENT, clinic, email=f"p{number}@example.invalid")
        make_episode(patient, injected_at=INJECTED)
        make_episode(patient, injected_at=INJECTED - timedelta(days=60))  # long over

    # 3 reads (episodes, their ratings, their reminders); then per e-mail a claim (savepoint
    # or transaction around one insert) and no read.
    with django_assert_max_num_queries(3):
        run(INJECTED + timedelta(minutes=25), "--dry-run")
    with django_assert_max_num_queries(3 + 10 * 3):
        run(INJECTED + timedelta(minutes=25))
    assert len(mail.outbox) == 10


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(clinic, monkeypatch):
    for number in range(6):
        patient = make_user(f"p{number}", Role.PATIENT, clinic, email=f"p{number}@example.invalid")
        make_episode(patient, injected_at=INJECTED)
    now = INJECTED + timedelta(minutes=25)

    # Both runs read what is owed before either claims anything: the worst overlap.
    both_have_read = threading.Barrier(2, timeout=30)
    claim, waited, claims = reminders.claim, threading.local(), []

    def claim_after_both_have_read(reminder, moment):
        if not getattr(waited, "done", False):
            waited.done = True
            both_have_read.wait()
        claimed = claim(reminder, moment)
        claims.append(claimed)
        return claimed

    monkeypatch.setattr(reminders, "claim", claim_after_both_have_read)
    errors = []

    def one_run():
        try:
            run(now)
        except Exception as error:  # reported below, with the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(claims) == [False] * 6 + [True] * 6  # both tried each one; one won each
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"p{number}@example.invalid" for number in range(6)
    ]
    assert Reminder.objects.count() == 6
