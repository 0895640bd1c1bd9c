"""`manage.py seed_demo`: demo clinics, logins and diaries, safe to run again."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from diary import comparison as diary_comparison
from diary import review, schedule
from diary.models import Clinic, Episode, Rating, Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "painlog-demo"
# Any moment works; a fixed one keeps the two runs' "now" from straddling an evening rating.
NOW = datetime(2026, 6, 10, 14, 37, 12, tzinfo=UTC)


def seed(**options):
    out = StringIO()
    call_command("seed_demo", anywhere=True, stdout=out, **options)
    return out.getvalue()


def counts():
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "episodes": Episode.objects.count(),
        "ratings": Rating.objects.count(),
    }


def test_it_duplicates_nothing_when_run_twice():
    with time_machine.travel(NOW, tick=False):
        seed()
        first = counts()
        seed()

    assert counts() == first
    assert first["clinics"] == 2
    assert first["ratings"] > 50  # realistic diaries, not a token row or two


def test_it_gives_every_login_the_demo_password_and_prints_them():
    output = seed()

    for username in ["patient", "clinician", "admin", "patient2", "clinician2"]:
        assert User.objects.get(username=username).check_password(PASSWORD), username
        assert f"  {username} " in output
    assert PASSWORD in output


def test_it_resets_a_changed_demo_password_on_the_next_run():
    seed()
    patient = User.objects.get(username="patient")
    patient.set_password("something-else")
    patient.save()

    seed()

    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_it_has_the_demo_patients_provocation_test_due_right_now():
    seed()

    patient = User.objects.get(username="patient")
    current = Episode.objects.of_patient(patient).with_diary().first()  # newest first
    plan = current.schedule(timezone.now())
    assert current.baseline_pain is not None and current.provoking_activity
    assert current.baseline_recorded_at < current.injected_at
    assert plan.status == schedule.STATUS_IN_PROGRESS
    assert plan.can_record("provocation")
    assert plan.due[0].key == "provocation"


def test_it_has_a_complete_episode_from_about_a_month_ago_for_the_demo_patient():
    seed()

    now = timezone.now()
    patient = User.objects.get(username="patient")
    *_, older = Episode.objects.of_patient(patient).with_diary()
    assert timedelta(days=28) <= now - older.injected_at <= timedelta(days=35)
    assert older.schedule(now).status == schedule.STATUS_COMPLETE
    assert {rating.day for rating in older.daily} == set(range(1, older.diary_days + 1))
    assert older.timed[0].slot_key == "provocation"


def test_it_puts_the_accounts_in_their_clinics():
    seed()

    clinic1, clinic2 = (
        Clinic.objects.get(name="Riverside Spine Clinic (demo)"),
        Clinic.objects.get(name="Harbour Pain Centre (demo)"),
    )
    roles = {
        user.username: (user.role, user.clinic)
        for user in User.objects.filter(
            username__in=["patient", "clinician", "admin", "patient2", "clinician2"]
        )
    }
    assert roles == {
        "patient": (Role.PATIENT, clinic1),
        "clinician": (Role.CLINICIAN, clinic1),
        "admin": (Role.ADMIN, None),
        "patient2": (Role.PATIENT, clinic2),
        "clinician2": (Role.CLINICIAN, clinic2),
    }
    assert User.objects.get(username="admin").is_superuser
    assert Episode.objects.filter(patient__username="patient2", clinic=clinic2).exists()


def test_it_keeps_every_demo_rating_valid_for_the_diary_it_belongs_to():
    seed()

    for rating in Rating.objects.select_related("episode__clinic"):
        rating.full_clean()
        assert rating.recorded_at <= timezone.now()
        assert rating.recorded_by == rating.episode.patient


def test_it_only_has_ratings_the_app_would_have_accepted_when_they_were_made():
    seed()

    for episode in Episode.objects.with_diary():
        for rating in episode.ratings.all():
            moment = rating.felt_at or rating.recorded_at
            item = episode.schedule(moment).item(rating.slot_key)
            where = f"{episode.patient}: {rating.slot_key} at {moment}"
            assert item is not None, where
            assert item.opens_at <= moment < item.closes_at, where
            if rating.kind == "daily":
                its_date = episode.local_injected_at.date() + timedelta(days=rating.day)
                recorded_on = timezone.localtime(moment, episode.clinic.zone).date()
                assert rating.late == (recorded_on > its_date), where


def test_it_refuses_without_debug_unless_told_it_may_run_anywhere(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


def test_it_runs_with_debug_on(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(username="patient").exists()


def blocks_of(username):
    patient = User.objects.get(username=username)
    return list(Episode.objects.of_patient(patient).with_diary().order_by("starts_at"))


def test_it_shows_a_concordant_pair_a_pair_on_two_sides_and_a_short_relief():
    seed()

    lidocaine, bupivacaine = blocks_of("dana")
    assert (lidocaine.side, lidocaine.anesthetic) == (bupivacaine.side, "lidocaine")
    assert lidocaine.summary.relief_hours == pytest.approx(40 / 60, abs=0.02)  # 40 minutes
    assert lidocaine.summary.steroid == "not_applicable"
    assert bupivacaine.summary.relief_hours == pytest.approx(3.0, abs=0.05)
    comparison = review.Comparison(Episode.objects.of_patient(lidocaine.patient))
    assert [verdict.code for verdict in comparison_verdicts(comparison)] == ["concordant"]

    left, right = blocks_of("eli")
    assert (left.side, right.side) == ("left", "right")
    comparison = review.Comparison(Episode.objects.of_patient(left.patient))
    assert [verdict.code for verdict in comparison_verdicts(comparison)] == ["different_sides"]
    assert right.summary.diagnostic == "positive"
    assert "short_relief" in right.summary.warnings


def comparison_verdicts(comparison):
    return diary_comparison.verdicts(comparison.blocks)


def test_its_clinics_have_a_phone_an_address_and_the_emergency_number_where_they_are():
    seed()

    numbers = {
        c.time_zone: (bool(c.phone), bool(c.contact_email), c.emergency_number)
        for c in Clinic.objects.all()
    }

    assert numbers == {
        "Europe/London": (True, True, "999"),
        "America/New_York": (True, True, "911"),
    }
