"""Today comes from a cache, and never shows a patient less than their diary says.

Each look is compared with Today drawn afresh at the same moment: through every moment the
clock alone changes it (a window opening or closing, the end of the first hours, midnight in
the clinic, an episode starting or completing) and after every kind of write.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from diary.models import Episode
from diary.today import Today
from tests.factories import make_episode

pytestmark = pytest.mark.django_db

# A Saturday evening in London, an hour before the clocks go back (26 Oct 2025, 02:00 BST).
INJECTED = datetime(2025, 10, 25, 22, 40, tzinfo=UTC)
TODAY = reverse("patient:today")


@pytest.fixture
def look(client, patient):
    """Today at `when`, as the patient's phone gets it, after checking it against Today drawn
    afresh at that moment."""
    client.force_login(patient)

    def look(when):
        with time_machine.travel(when, tick=False):
            response = client.get(TODAY)
            fresh = drawn_afresh(patient, when)
        assert response.status_code == 200
        assert fresh in response.text, f"Today at {when:%Y-%m-%d %H:%M:%S} is stale"
        return response.text

    return look


def drawn_afresh(patient, when):
    """Today's content drawn without the cache, at `when`."""
    today = Today(list(Episode.objects.of_patient(patient).select_related("clinic")), when)
    context = {"today": today, "episode": today.episode}
    return render_to_string("diary/patient/_today_content.html", context)


def moments_of(episode, when):
    """Each moment Today's episode changes with the clock, a second either side."""
    plan = episode.schedule(when)
    moments = {episode.injected_at + timedelta(hours=episode.clinic.analgesic_free_hours)}
    for item in plan.items:
        moments |= {item.opens_at, item.closes_at}
    for day in range(episode.diary_days + 3):
        midnight = datetime.combine(
            episode.local_injected_at.date() + timedelta(days=day),
            time(0),
            tzinfo=episode.clinic.zone,
        )
        moments.add(midnight.astimezone(UTC))
    return sorted(moment + timedelta(seconds=offset) for moment in moments for offset in (-1, 0, 1))


def test_every_moment_the_clock_changes_today_shows_at_once(look, patient, clinician):
    # A complete diary, which Today falls back on before the next one is booked.
    make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=40))
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=None)
    # Booked while the first diary runs: Today turns to it when it starts, not when the first
    # diary changes.
    later = make_episode(patient, clinician, injected_at=INJECTED + timedelta(days=3, hours=5))
    seen = set()
    start = INJECTED - timedelta(days=1)
    for moment in sorted({start, *moments_of(episode, start), *moments_of(later, start)}):
        if moment >= start:
            seen.add(look(moment))
    # The looks saw many different pages, not one kept for ever.
    assert len(seen) > 30


def test_a_clock_set_back_is_not_shown_a_later_page(look, patient, clinician):
    """Another app server's clock may be a little behind the one that drew the page."""
    episode = make_episode(patient, clinician, injected_at=INJECTED, baseline=None)
    opens = episode.schedule(INJECTED).item("provocation").opens_at
    assert "due-button" in look(opens + timedelta(seconds=1))
    assert "due-button" not in look(opens - timedelta(seconds=1))


def test_a_rating_the_patient_saves_shows_at_once(look, client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    when = INJECTED + timedelta(minutes=25)
    assert "Provocation test" in look(when)

    with time_machine.travel(when, tick=False):
        client.post(
            reverse("patient:rate", args=[episode.uuid, "provocation"]),
            {"pain": "2", "fever_redness": "on"},
        )

    page = look(when)
    assert "You reported fever, redness or drainage" in page
    assert "1 of" in page


def test_a_new_daily_time_shows_at_once(look, client, patient, clinician):
    episode = make_episode(patient, clinician, injected_at=INJECTED - timedelta(days=1))
    when = INJECTED + timedelta(hours=12)
    before = look(when)

    with time_machine.travel(when, tick=False):
        client.post(reverse("patient:reminders", args=[episode.uuid]), {"daily_time": "08:15"})

    after = look(when)
    assert after != before
    assert "08:15" in after


def test_new_clinic_rules_and_zone_show_at_once(look, patient, clinician, clinic):
    make_episode(patient, clinician, injected_at=INJECTED)
    when = INJECTED + timedelta(hours=3)
    before = look(when)

    clinic.time_zone = "Pacific/Auckland"
    clinic.analgesic_free_hours = 2
    clinic.save()

    after = look(when)
    assert after != before


def test_an_episode_booked_or_moved_shows_at_once(look, client, patient, clinician):
    when = INJECTED - timedelta(days=2)
    assert "No injection is booked for you yet" in look(when)

    episode = make_episode(patient, clinician, injected_at=INJECTED)
    assert "No injection is booked for you yet" not in look(when)

    episode.performed_at = episode.scheduled_at = INJECTED - timedelta(days=3)
    episode.save()
    look(when)


def test_a_second_look_reads_only_the_episodes(
    client, patient, clinician, django_assert_num_queries
):
    episode = make_episode(patient, clinician, injected_at=INJECTED)
    client.force_login(patient)
    with time_machine.travel(INJECTED + timedelta(hours=2), tick=False):
        # The session, the patient, their episodes with their clinic, their ratings.
        with django_assert_num_queries(4):
            first = client.get(TODAY)
        with django_assert_num_queries(3):  # the session, the patient, their episodes
            second = client.get(TODAY)
    assert main(first) == main(second)
    assert str(episode.uuid) in main(second)


def main(response):
    """The page's own part: the frame around it holds a new CSRF token at each request."""
    return response.text.split('<main id="main"', 1)[1].split("</main>", 1)[0]
