"""The rules of diary/models.py: database constraints, clean() messages, the user manager.

Each constraint is broken on purpose through the ORM calls that skip clean() (`create`,
`bulk_create`, `update`), so only the database stands between bad data and the diary. The
error must name the rule that caught it: SQLite says "CHECK constraint failed: <name>",
PostgreSQL 'violates check constraint "<name>"'; a few values are also caught by the column's
own check (positive integers) or, for unique rules, by the column list.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from diary.models import (
    PROVOCATION_SLOT,
    BlockType,
    Clinic,
    Episode,
    Kind,
    Rating,
    Role,
    User,
)
from tests.factories import make_episode, make_user

pytestmark = pytest.mark.django_db


def assert_refused(save, *names):
    """`save()` fails in the database, and the error names one of `names`."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        save()
    message = str(caught.value)
    assert any(name in message for name in names), message


def timed(episode, **fields):
    values = {
        "episode": episode,
        "kind": Kind.TIMED,
        "slot": PROVOCATION_SLOT,
        "felt_at": episode.injected_at + timedelta(minutes=25),
        "pain": 2,
    }
    return Rating(**{**values, **fields})


def daily(episode, **fields):
    values = {"episode": episode, "kind": Kind.DAILY, "day": 1, "pain": 5}
    return Rating(**{**values, **fields})


def save_rating(rating):
    return lambda: Rating.objects.create(**model_fields(rating))


def model_fields(instance):
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


# --- Rating -------------------------------------------------------------------------------

# The positive-integer column checks: SQLite names the column, PostgreSQL "<table>_<column>_check".
PAIN_COLUMN = ("constraint failed: pain", "_pain_check")
RELIEF_COLUMN = ("constraint failed: relief", "_relief_check")
DAY_COLUMN = ("constraint failed: day", "_day_check")

INVALID_RATINGS = [
    pytest.param(timed, {"pain": -1}, ("rating_pain_range", *PAIN_COLUMN), id="pain-minus-1"),
    pytest.param(timed, {"pain": 11}, ("rating_pain_range",), id="pain-11"),
    pytest.param(daily, {"pain": 11}, ("rating_pain_range",), id="daily-pain-11"),
    pytest.param(timed, {"relief": 55}, ("rating_relief_in_tens",), id="relief-55"),
    pytest.param(timed, {"relief": 110}, ("rating_relief_in_tens",), id="relief-110"),
    pytest.param(
        timed, {"relief": -10}, ("rating_relief_in_tens", *RELIEF_COLUMN), id="relief-minus-10"
    ),
    pytest.param(timed, {"felt_at": None}, ("rating_kind_fields",), id="timed-without-felt-at"),
    pytest.param(timed, {"slot": None}, ("rating_kind_fields",), id="timed-without-slot"),
    pytest.param(timed, {"slot": 7}, ("rating_kind_fields",), id="timed-hour-7"),
    pytest.param(timed, {"day": 1}, ("rating_kind_fields",), id="timed-with-a-day"),
    pytest.param(daily, {"day": 0}, ("rating_kind_fields",), id="daily-day-0"),
    pytest.param(daily, {"day": 15}, ("rating_kind_fields",), id="daily-day-15"),
    pytest.param(daily, {"day": -1}, ("rating_kind_fields", *DAY_COLUMN), id="daily-day-minus-1"),
    pytest.param(daily, {"slot": 1}, ("rating_kind_fields",), id="daily-with-a-slot"),
    pytest.param(daily, {"kind": "weekly"}, ("rating_kind_fields",), id="unknown-kind"),
    pytest.param(
        daily,
        {"analgesic": False, "analgesic_name": "ibuprofen"},
        ("rating_medicine_name_only_when_taken",),
        id="medicine-name-without-medicine",
    ),
    pytest.param(daily, {"ice_heat": "steam"}, ("rating_ice_heat_valid",), id="ice-heat-steam"),
    pytest.param(
        daily,
        {"day": None},
        ("rating_kind_fields",),
        id="daily-without-a-day",
    ),
]


@pytest.mark.parametrize("build, fields, names", INVALID_RATINGS)
def test_it_refuses_an_invalid_rating_in_the_database(episode, build, fields, names):
    assert_refused(save_rating(build(episode, **fields)), *names)
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "build, fields",
    [
        pytest.param(timed, {}, id="provocation-test"),
        pytest.param(timed, {"slot": 6, "pain": 0, "relief": 100}, id="hour-6"),
        pytest.param(daily, {}, id="day-1"),
        pytest.param(daily, {"day": 14, "pain": 10, "relief": 0}, id="day-14"),
        pytest.param(daily, {"relief": None}, id="no-stated-relief"),
        pytest.param(daily, {"analgesic": True, "analgesic_name": "ibuprofen"}, id="medicine"),
        pytest.param(daily, {"ice_heat": "both"}, id="ice-and-heat"),
    ],
)
def test_it_saves_the_valid_ratings_the_table_starts_from(episode, build, fields):
    rating = Rating.objects.create(**model_fields(build(episode, **fields)))

    assert Rating.objects.get() == rating


def test_it_allows_a_rating_without_stated_relief(episode):
    Rating.objects.create(**model_fields(timed(episode, relief=None)))

    assert Rating.objects.get().relief is None


def test_it_refuses_a_second_daily_rating_for_the_same_day(episode):
    Rating.objects.create(**model_fields(daily(episode, day=2)))

    assert_refused(
        save_rating(daily(episode, day=2, pain=3)),
        "rating_one_per_day",
        "diary_rating.episode_id, diary_rating.day",
    )
    assert Rating.objects.count() == 1


def test_it_refuses_a_second_timed_rating_for_the_same_slot(episode):
    Rating.objects.create(**model_fields(timed(episode, slot=3)))

    assert_refused(
        save_rating(timed(episode, slot=3, pain=4)),
        "rating_one_per_slot",
        "diary_rating.episode_id, diary_rating.slot",
    )
    assert Rating.objects.count() == 1


def test_it_keeps_one_rating_per_day_per_episode_not_per_patient(episode, patient, clinician):
    second = make_episode(patient, clinician)
    Rating.objects.create(**model_fields(daily(episode, day=2)))
    Rating.objects.create(**model_fields(daily(second, day=2)))

    assert Rating.objects.filter(day=2).count() == 2


def test_it_refuses_invalid_ratings_in_bulk(episode):
    ratings = [daily(episode, day=1), daily(episode, day=2, pain=11)]

    assert_refused(lambda: Rating.objects.bulk_create(ratings), "rating_pain_range")
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "fields, name",
    [
        ({"pain": 11}, "rating_pain_range"),
        ({"relief": 55}, "rating_relief_in_tens"),
        ({"day": 15}, "rating_kind_fields"),
        ({"analgesic_name": "codeine"}, "rating_medicine_name_only_when_taken"),
    ],
)
def test_it_refuses_an_update_that_breaks_a_rule(episode, fields, name):
    rating = Rating.objects.create(**model_fields(daily(episode)))

    assert_refused(lambda: Rating.objects.filter(pk=rating.pk).update(**fields), name)
    rating.refresh_from_db()
    assert (rating.pain, rating.relief, rating.day, rating.analgesic_name) == (5, None, 1, "")


def test_it_explains_a_day_beyond_the_episodes_diary(patient, clinician):
    episode = make_episode(patient, clinician, diary_days=7)
    rating = daily(episode, day=8)

    with pytest.raises(ValidationError) as caught:
        rating.full_clean()

    assert caught.value.message_dict["day"] == ["This diary has days 1 to 7."]


def test_it_explains_a_day_zero_in_words_too(episode):
    rating = daily(episode, day=0)

    with pytest.raises(ValidationError) as caught:
        rating.full_clean()

    assert caught.value.message_dict["day"] == ["This diary has days 1 to 7."]


def test_it_accepts_the_last_day_of_a_fourteen_day_diary(patient, clinician):
    episode = make_episode(patient, clinician, diary_days=14)

    daily(episode, day=14).full_clean()


# --- Episode ------------------------------------------------------------------------------

INVALID_EPISODES = [
    pytest.param({"baseline_pain": 11}, ("episode_baseline_pain_range",), id="baseline-11"),
    pytest.param({"diary_days": 0}, ("episode_diary_days_range",), id="diary-days-0"),
    pytest.param({"diary_days": 15}, ("episode_diary_days_range",), id="diary-days-15"),
    pytest.param(
        {"block_type": BlockType.THERAPEUTIC, "steroid": ""},
        ("episode_steroid_matches_block_type",),
        id="therapeutic-without-steroid",
    ),
    pytest.param(
        {"block_type": BlockType.DIAGNOSTIC, "steroid": "triamcinolone 40 mg"},
        ("episode_steroid_matches_block_type",),
        id="diagnostic-with-steroid",
    ),
    pytest.param({"side": "middle"}, ("episode_side_valid",), id="side-middle"),
    # An unknown block type also breaks the steroid rule, which only knows the two types.
    pytest.param(
        {"block_type": "mixed"},
        ("episode_block_type_valid", "episode_steroid_matches_block_type"),
        id="block-type-mixed",
    ),
    pytest.param({"anesthetic": "ether"}, ("episode_anesthetic_valid",), id="anesthetic-ether"),
]


@pytest.mark.parametrize("fields, names", INVALID_EPISODES)
def test_it_refuses_an_invalid_episode_in_the_database(patient, clinician, fields, names):
    assert_refused(lambda: make_episode(patient, clinician, **fields), *names)
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="therapeutic"),
        pytest.param({"block_type": BlockType.DIAGNOSTIC, "steroid": ""}, id="diagnostic"),
        pytest.param({"baseline": None}, id="no-baseline-yet"),
        pytest.param({"baseline": 0, "diary_days": 1}, id="baseline-0-one-day"),
        pytest.param({"baseline": 10, "diary_days": 14}, id="baseline-10-fourteen-days"),
    ],
)
def test_it_saves_the_valid_episodes_the_table_starts_from(patient, clinician, fields):
    episode = make_episode(patient, clinician, **fields)

    assert Episode.objects.get() == episode


def test_it_refuses_an_update_to_a_baseline_above_ten(episode):
    assert_refused(
        lambda: Episode.objects.filter(pk=episode.pk).update(baseline_pain=11),
        "episode_baseline_pain_range",
    )
    episode.refresh_from_db()
    assert episode.baseline_pain == 7


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"block_type": BlockType.THERAPEUTIC, "steroid": "  "},
            "A therapeutic block names its steroid.",
        ),
        (
            {"block_type": BlockType.DIAGNOSTIC, "steroid": "dexamethasone"},
            "A diagnostic block has no steroid; choose therapeutic.",
        ),
    ],
)
def test_it_explains_a_steroid_that_does_not_fit_the_block(episode, fields, message):
    for name, value in fields.items():
        setattr(episode, name, value)

    with pytest.raises(ValidationError) as caught:
        episode.clean()

    assert caught.value.message_dict["steroid"] == [message]


# --- User ---------------------------------------------------------------------------------


def test_it_refuses_a_patient_without_a_clinic():
    assert_refused(
        lambda: User.objects.create_user("loner", password="pw", role=Role.PATIENT),
        "user_patient_or_clinician_has_clinic",
    )


def test_it_refuses_a_clinician_without_a_clinic():
    assert_refused(
        lambda: User.objects.create_user("nurse", password="pw", role=Role.CLINICIAN),
        "user_patient_or_clinician_has_clinic",
    )


def test_it_refuses_an_unknown_role(clinic):
    assert_refused(lambda: make_user("visitor", "visitor", clinic), "user_role_valid")


def test_it_refuses_an_update_to_an_unknown_role(patient):
    assert_refused(
        lambda: User.objects.filter(pk=patient.pk).update(role="superpatient"), "user_role_valid"
    )
    patient.refresh_from_db()
    assert patient.role == Role.PATIENT


def test_it_explains_that_patients_belong_to_a_clinic():
    user = User(username="loner", role=Role.PATIENT)

    with pytest.raises(ValidationError) as caught:
        user.clean()

    assert caught.value.message_dict["clinic"] == ["Patients and clinicians belong to a clinic."]


def test_it_creates_a_superuser_as_an_admin_without_a_clinic(db):
    admin = User.objects.create_superuser("root", "root@example.invalid", "s3cret-pw")

    admin.refresh_from_db()
    assert (admin.role, admin.clinic, admin.is_staff, admin.is_superuser) == (
        Role.ADMIN,
        None,
        True,
        True,
    )
    assert admin.check_password("s3cret-pw")


def test_it_creates_a_superuser_with_the_createsuperuser_command(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pw")

    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="root@example.invalid",
        verbosity=0,
    )

    admin = User.objects.get(username="root")
    assert (admin.role, admin.clinic, admin.is_superuser) == (Role.ADMIN, None, True)


# --- Clinic -------------------------------------------------------------------------------

INVALID_CLINICS = [
    pytest.param(
        {"negative_below": 80, "positive_relief": 75},
        ("clinic_negative_below_not_above_positive",),
        id="negative-below-above-positive",
    ),
    pytest.param(
        {"provocation_window_start": 5},
        ("clinic_provocation_window_inside_fallback",),
        id="window-starts-before-fallback",
    ),
    pytest.param(
        {"provocation_window_end": 90},
        ("clinic_provocation_window_inside_fallback",),
        id="window-ends-after-fallback",
    ),
    pytest.param(
        {"provocation_window_start": 30, "provocation_window_end": 20},
        ("clinic_provocation_window_inside_fallback",),
        id="window-ends-before-it-starts",
    ),
    pytest.param({"diary_days": 15}, ("clinic_diary_days_range",), id="diary-days-15"),
    pytest.param({"diary_days": 0}, ("clinic_diary_days_range",), id="diary-days-0"),
    pytest.param(
        {"positive_relief": 101, "negative_below": 50},
        ("clinic_positive_relief_range",),
        id="positive-relief-101",
    ),
    pytest.param({"min_baseline": 11}, ("clinic_min_baseline_range",), id="min-baseline-11"),
    pytest.param({"anesthetic_hours": 0}, ("clinic_hours_range",), id="anesthetic-hours-0"),
    pytest.param(
        {"improvement_relief": 60, "responder_relief": 50},
        ("clinic_improvement_not_above_response",),
        id="improvement-above-response",
    ),
]


@pytest.mark.parametrize("fields, names", INVALID_CLINICS)
def test_it_refuses_inconsistent_clinic_rules_in_the_database(db, fields, names):
    assert_refused(lambda: Clinic.objects.create(name="Odd Clinic", **fields), *names)
    assert not Clinic.objects.exists()


def test_it_saves_a_clinic_with_the_published_defaults(db):
    clinic = Clinic.objects.create(name="Plain Clinic")

    assert (clinic.positive_relief, clinic.negative_below, clinic.diary_days) == (75, 50, 7)


@pytest.mark.parametrize(
    "fields, field_name, message",
    [
        (
            {"negative_below": 80},
            "negative_below",
            "Must not be above the positive threshold.",
        ),
        (
            {"provocation_window_end": 90},
            "provocation_window_end",
            "The test window must lie inside the off-time range, start before it ends.",
        ),
        ({"diary_days": 15}, "diary_days", "A diary lasts 1 to 14 days."),
    ],
)
def test_it_explains_inconsistent_clinic_rules(db, fields, field_name, message):
    clinic = Clinic(name="Odd Clinic", **fields)

    with pytest.raises(ValidationError) as caught:
        clinic.clean()

    assert caught.value.message_dict[field_name] == [message]


@pytest.mark.parametrize(
    ("time_zone", "number"),
    [
        ("Europe/London", "999"),
        ("Europe/Madrid", "112"),
        ("Europe/Berlin", "112"),
        ("America/New_York", "911"),
        ("America/Chicago", "911"),
    ],
)
def test_a_clinic_gets_the_emergency_number_of_where_it_is(db, time_zone, number):
    clinic = Clinic.objects.create(name="Anywhere", time_zone=time_zone)

    assert Clinic.objects.get(pk=clinic.pk).emergency_number == number


def test_a_clinic_keeps_an_emergency_number_it_sets(db):
    clinic = Clinic.objects.create(name="Island", time_zone="Europe/London", emergency_number="112")

    assert Clinic.objects.get(pk=clinic.pk).emergency_number == "112"


def test_a_clinics_phone_is_a_tel_link(clinic):
    assert clinic.phone_href == "tel:02079460018"
    assert clinic.emergency_href == "tel:999"


def test_a_new_clinic_must_give_its_phone_and_contact_email(db):
    clinic = Clinic(name="New Clinic", time_zone="Europe/London")

    with pytest.raises(ValidationError) as caught:
        clinic.full_clean()

    assert set(caught.value.message_dict) == {"phone", "contact_email"}
