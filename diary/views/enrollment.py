"""The clinician's bookings: enrolling a patient, booking an episode, the patient's set-up link,
and the injection day (the actual injection time, the baseline the patient gave on arrival)."""

import logging
import smtplib

import segno
from django.contrib import messages
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from diary import tokens
from diary.access import clinician_required, episode_for, patient_for
from diary.forms import (
    BookingForm,
    ClinicBaselineForm,
    EnrollForm,
    InjectionTimeForm,
    clinic_time_text,
)
from diary.models import AuditEvent, Episode

logger = logging.getLogger(__name__)


@clinician_required
@require_http_methods(["GET", "POST"])
def enroll(request):
    form = EnrollForm(request.POST or None, clinician=request.user)
    if form.is_valid():
        episode, saved = save_once(request, form, "enrollment")
        if saved:
            messages.success(
                request,
                _("%(patient)s is enrolled and the injection is booked.")
                % {"patient": episode.patient},
            )
        return redirect("clinic:setup_link", episode.patient.public_id)
    return render(request, "diary/clinic/enroll.html", {"form": form})


@clinician_required
@require_http_methods(["GET", "POST"])
def book(request, public_id):
    patient = patient_for(request.user, public_id)
    form = BookingForm(request.POST or None, clinician=request.user)
    if form.is_valid():
        episode, saved = save_once(request, form, "episode", patient)
        if saved:
            messages.success(
                request, _("The injection is booked for %(patient)s.") % {"patient": patient}
            )
        return redirect(episode)
    return render(request, "diary/clinic/book.html", {"form": form, "patient": patient})


def save_once(request, form, what, *args):
    """Save a booking form, or find the episode an earlier sending of the same form saved.

    Returns (episode, saved). A double click or a resent page carries the same booking token,
    which the database holds unique: the second sending rolls back whole (no second patient).
    """
    try:
        with transaction.atomic():
            episode = form.save(*args)
            AuditEvent.record(
                request, AuditEvent.Action.CREATE, what, episode=episode, after=booking(episode)
            )
            return episode, True
    except IntegrityError:
        token = form.cleaned_data.get("booking_token")
        episodes = Episode.objects.for_clinician(request.user).select_related("patient")
        episode = episodes.filter(booking_token=token).first() if token else None
        if episode is None:
            raise
        messages.info(request, _("This form was sent twice; it was saved once."))
        return episode, False


def booking(episode):
    fields = ["scheduled_at", "side", "block_type", "anesthetic", "steroid"]
    return {name: getattr(episode, name) for name in fields}


@clinician_required
@require_safe
def setup_link(request, public_id):
    patient = patient_for(request.user, public_id)
    context = {
        "patient": patient,
        "episodes": patient.episodes.all(),
        "tz": patient.clinic.zone,
        "state": tokens.state(patient),
    }
    if context["state"] is not None:
        context["expires_at"] = tokens.expires_at(patient)
    if context["state"] == tokens.OPEN:
        url = request.build_absolute_uri(tokens.link_path(patient))
        context.update(url=url, qr_code=qr_code(url))
    return render(request, "diary/clinic/setup_link.html", context)


def qr_code(url):
    # segno escapes the title; the rest is its own SVG markup.
    svg = segno.make(url, error="m").svg_inline(
        scale=5, light="#fff", title=_("QR code of the set-up link"), svgclass="qr-code"
    )
    return mark_safe(svg)


@clinician_required
@require_POST
def email_setup_link(request, public_id):
    patient = patient_for(request.user, public_id)
    if not patient.email:
        messages.error(request, _("There is no e-mail address for this patient."))
    elif tokens.state(patient) != tokens.OPEN:
        messages.error(request, _("There is no working link to send: issue a new link first."))
    else:
        try:
            send_setup_email(request, patient)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not send the set-up link to patient %s", patient.pk)
            messages.error(
                request,
                _("The e-mail could not be sent. Try again later, or show the QR code instead."),
            )
        else:
            messages.success(
                request, _("The set-up link was sent to %(email)s.") % {"email": patient.email}
            )
    return redirect("clinic:setup_link", patient.public_id)


def send_setup_email(request, patient):
    """The link and the user name only: an e-mail is no place for health data."""
    context = {
        "patient": patient,
        "url": request.build_absolute_uri(tokens.link_path(patient)),
        "expires": clinic_time_text(tokens.expires_at(patient), patient.clinic.zone),
    }
    subject = render_to_string("registration/setup_email_subject.txt", context)
    body = render_to_string("registration/setup_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [patient.email])


@clinician_required
@require_POST
def new_setup_link(request, public_id):
    patient = patient_for(request.user, public_id)
    with transaction.atomic():
        tokens.issue(patient)
        AuditEvent.record(request, AuditEvent.Action.CHANGE, "set-up link", patient=patient)
    messages.success(request, _("A new set-up link is ready. Any earlier link no longer works."))
    return redirect("clinic:setup_link", patient.public_id)


@clinician_required
@require_http_methods(["GET", "POST"])
def injection_time(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    form = InjectionTimeForm(request.POST or None, episode=episode, now=timezone.now())
    if form.is_valid() and form.record(request):
        moment = form.cleaned_data["performed_at"]
        messages.success(
            request,
            _("Injection time saved: %(time)s.")
            % {"time": clinic_time_text(moment, episode.clinic.zone)},
        )
        return redirect(episode)
    return render(
        request,
        "diary/clinic/injection_time.html",
        {"form": form, "episode": episode, "tz": episode.clinic.zone},
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def baseline(request, episode_uuid):
    episode = episode_for(request.user, episode_uuid)
    if episode.has_baseline:
        messages.info(request, already_recorded(episode))
        return redirect(episode)
    form = ClinicBaselineForm(request.POST or None, instance=episode)
    if form.is_valid():
        # Like the patient's own baseline: the first answer saved stands.
        if form.record(request):
            messages.success(request, _("The baseline is saved."))
        else:
            episode.refresh_from_db()
            messages.info(request, already_recorded(episode))
        return redirect(episode)
    return render(
        request,
        "diary/clinic/baseline.html",
        {"form": form, "episode": episode, "tz": episode.clinic.zone},
    )


def already_recorded(episode):
    return _("The baseline was already recorded: pain %(pain)d/10 when %(activity)s.") % {
        "pain": episode.baseline_pain,
        "activity": episode.provoking_activity,
    }
