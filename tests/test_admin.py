import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from diary import tokens
from diary.models import AuditEvent, Clinic, Episode, Rating, User
from tests.factories import make_diary, rating_for

pytestmark = pytest.mark.django_db

USERS = "admin:diary_user_changelist"


@pytest.fixture
def diary(episode):
    """The patient's episode with its provocation test, which carries a note."""
    rating_for(episode, "provocation", 2, note="private note")
    return episode


def act(admin_client, action, users, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [user.pk for user in users], **extra}
    return admin_client.post(reverse(USERS), data)


def test_it_issues_a_new_set_up_link_and_the_old_one_stops_working(admin_client, patient):
    tokens.issue(patient)
    old_link = tokens.link_path(patient)

    response = act(admin_client, "issue_setup_link", [patient])

    patient.refresh_from_db()
    new_link = tokens.link_path(patient)
    assert new_link != old_link
    assert new_link in response.content.decode()
    _uidb64, token = old_link.strip("/").split("/")[-2:]
    assert tokens.problem(patient, token) is not None  # the old link no longer opens
    assert tokens.problem(patient, new_link.strip("/").split("/")[-1]) is None


def test_it_exports_one_patients_data_and_logs_it(admin_client, patient, diary):
    response = act(admin_client, "export_patient_data", [patient])

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "private note" in body
    assert AuditEvent.objects.filter(action="export", patient_public_id=patient.public_id).exists()


def test_it_asks_before_erasing_and_erases_nothing_until_confirmed(admin_client, patient, diary):
    response = act(admin_client, "erase_patients", [patient])

    assert "cannot be undone" in response.content.decode()
    assert User.objects.filter(pk=patient.pk).exists()
    assert Rating.objects.count() == 1


def erase(admin_client, patient, way):
    if way == "erase action":
        act(admin_client, "erase_patients", [patient], confirm_erase="yes")
    elif way == "delete selected":
        act(admin_client, "delete_selected", [patient], post="yes")
    else:  # the user's own delete page
        admin_client.post(reverse("admin:diary_user_delete", args=[patient.pk]), {"post": "yes"})


@pytest.mark.parametrize("way", ["erase action", "delete selected", "delete page"])
def test_it_erases_a_patient_with_their_diary_and_logs_it(admin_client, patient, diary, way):
    patient_id = patient.public_id
    AuditEvent.objects.create(
        actor_username="x",
        action="view",
        what="episode page",
        patient_public_id=patient_id,
        after={"pain": 2},
    )

    erase(admin_client, patient, way)

    assert not User.objects.filter(pk=patient.pk).exists()
    assert not Episode.objects.exists()
    assert not Rating.objects.exists()
    erased = AuditEvent.objects.get(action="erase")
    assert erased.patient_public_id == patient_id
    assert erased.before == {"episodes": 1, "ratings": 1}
    # Earlier entries keep who looked when, but no diary values.
    assert AuditEvent.objects.get(action="view").after is None


def test_it_only_erases_patients(admin_client, clinician):
    act(admin_client, "erase_patients", [clinician], confirm_erase="yes")

    assert User.objects.filter(pk=clinician.pk).exists()


def test_a_deactivated_account_is_signed_out_everywhere_and_keeps_its_data(
    admin_client, patient, diary
):
    phone = Client()
    phone.force_login(patient)
    assert phone.get(reverse("patient:today")).status_code == 200

    patient.is_active = False
    patient.save()

    response = phone.get(reverse("patient:today"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Rating.objects.filter(episode__patient=patient).count() == 1


def test_changing_a_rating_in_the_admin_is_audited(admin_client, diary):
    rating = Rating.objects.get()
    url = reverse("admin:diary_rating_change", args=[rating.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        episode=rating.episode_id,
        pain=5,
        felt_at_0=rating.felt_at.strftime("%Y-%m-%d"),
        felt_at_1=rating.felt_at.strftime("%H:%M:%S"),
        recorded_at_0=rating.recorded_at.strftime("%Y-%m-%d"),
        recorded_at_1=rating.recorded_at.strftime("%H:%M:%S"),
        recorded_by=rating.recorded_by_id,
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="change", what="rating")
    assert (event.before["pain"], event.after["pain"]) == (2, 5)


def test_changing_a_rating_in_the_episodes_inline_is_audited(admin_client, diary):
    url = reverse("admin:diary_episode_change", args=[diary.pk])
    page = admin_client.get(url)
    data = {}
    for form in [page.context["adminform"].form, *page.context["inline_admin_formsets"][0].formset]:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if hasattr(field.widget, "widgets"):  # split date and time
                data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d %H:%M:%S").split()
            else:
                data[key] = value.pk if hasattr(value, "pk") else value
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    data[f"{formset.prefix}-0-pain"] = 6

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    event = AuditEvent.objects.get(action="change", what="rating")
    assert (event.before["pain"], event.after["pain"]) == (2, 6)


def test_an_administrator_sets_the_expected_relief_of_each_agent(admin_client, patient):
    clinic = patient.clinic
    # Relief at 75 % or more until 60 min, below it from 130 min: short only for 3 hours.
    episode = make_diary(patient, timed_pain={25: 0, 60: 1, 130: 6, 180: 6}, baseline=8)
    assert "short_relief" not in episode.summary.warnings
    url = reverse("admin:diary_clinic_change", args=[clinic.pk])
    assert "bupivacaine_relief_hours" in admin_client.get(url).content.decode()

    form = {key: "" if value is None else value for key, value in model_to_dict(clinic).items()}
    response = admin_client.post(url, {**form, "bupivacaine_relief_hours": "3"})

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.rules().expected_hours("bupivacaine") == 3.0
    episode = Episode.objects.with_diary().get(pk=episode.pk)
    assert "short_relief" in episode.summary.warnings


def test_an_administrator_must_give_a_new_clinic_its_phone_and_contact_email(admin_client):
    url = reverse("admin:diary_clinic_add")
    form = {key: "" if value is None else value for key, value in model_to_dict(Clinic()).items()}
    form.update(name="New Clinic", time_zone="America/Chicago")

    refused = admin_client.post(url, form)
    assert refused.status_code == 200  # the form again, with its errors
    assert not Clinic.objects.filter(name="New Clinic").exists()

    saved = admin_client.post(
        url, {**form, "phone": "+1 312 555 0199", "contact_email": "desk@example.org"}
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    clinic = Clinic.objects.get(name="New Clinic")
    assert (clinic.phone, clinic.emergency_number) == ("+1 312 555 0199", "911")
