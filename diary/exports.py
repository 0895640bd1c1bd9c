"""Downloads: CSV of ratings (a patient's own, or one episode's) and of a clinic's episodes."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from diary import diagnosis

RATING_COLUMNS = [
    "episode",
    "injection_at",
    "side",
    "block_type",
    "anesthetic",
    "steroid",
    "baseline_pain",
    "provoking_activity",
    "entry",
    "kind",
    "day",
    "late",
    "minutes_after_injection",
    "pain_felt_at",
    "recorded_at",
    "pain",
    "relief_computed",
    "relief_stated",
    "pain_medicine",
    "which_medicine",
    "side_effects",
    "ice_heat",
    "note",
]

# A cell starting with one of these is a formula to a spreadsheet; a note could be one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(rows, filename):
    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def rating_rows(episodes):
    yield RATING_COLUMNS
    for episode in episodes:
        zone = episode.clinic.zone
        for rating in sorted(
            episode.ratings.all(), key=lambda r: (r.kind == "daily", r.recorded_at)
        ):
            yield [
                episode.uuid,
                timezone.localtime(episode.injected_at, zone),
                episode.side,
                episode.block_type,
                episode.anesthetic,
                episode.steroid,
                episode.baseline_pain,
                episode.provoking_activity,
                rating.slot_key,
                rating.kind,
                rating.day,
                rating.late,
                rating.minutes,
                rating.felt_at and timezone.localtime(rating.felt_at, zone),
                timezone.localtime(rating.recorded_at, zone),
                rating.pain,
                diagnosis.relief(episode.baseline_pain, rating.pain),
                rating.relief,
                rating.analgesic,
                rating.analgesic_name,
                "; ".join(rating.side_effects),
                rating.ice_heat if rating.kind == "daily" else "",
                rating.note,
            ]


def ratings_csv_response(episodes, filename):
    return csv_response(rating_rows(episodes), filename)
