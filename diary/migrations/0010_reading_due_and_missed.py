"""The stored reading tells overdue ratings (due, still open) from missed ones (closed).

Renames `review["overdue"]`, which held when each rating not made closes, to
`review["missed"]`, and adds `review["due"]`, empty until `python manage.py refresh_readings`
reads every episode again (until then no rating shows as overdue; missed ones and the
needs-attention list are right at once).
"""

from django.db import migrations

CHUNK = 1000


def rename(apps, old, new, fill_due):
    Episode = apps.get_model("diary", "Episode")
    changed = []
    for episode in Episode.objects.only("pk", "review").iterator(chunk_size=CHUNK):
        review = episode.review
        if old not in review:
            continue
        review[new] = review.pop(old)
        if fill_due:
            review.setdefault("due", [])
        else:
            review.pop("due", None)
        changed.append(episode)
        if len(changed) == CHUNK:
            Episode.objects.bulk_update(changed, ["review"])
            changed = []
    Episode.objects.bulk_update(changed, ["review"])


def forwards(apps, schema_editor):
    rename(apps, "overdue", "missed", fill_due=True)


def backwards(apps, schema_editor):
    rename(apps, "missed", "overdue", fill_due=False)


class Migration(migrations.Migration):
    dependencies = [("diary", "0009_clinic_expected_relief_hours")]

    operations = [migrations.RunPython(forwards, backwards)]
