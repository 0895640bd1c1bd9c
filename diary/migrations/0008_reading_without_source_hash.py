import uuid

from django.db import migrations, models


def give_each_clinic_a_version(apps, schema_editor):
    Clinic = apps.get_model("diary", "Clinic")
    for clinic in Clinic.objects.all():
        clinic.version = uuid.uuid4()
        clinic.save(update_fields=["version"])


class Migration(migrations.Migration):
    """The dashboard's version becomes a random value that review.store replaces (a counter
    bumped by hand came back to old values after a restore); the roster counter and the
    source-hash version of the stored readings go."""

    dependencies = [
        ("diary", "0007_clinic_roster"),
    ]

    operations = [
        migrations.RemoveField(model_name="clinic", name="roster"),
        migrations.RemoveField(model_name="episode", name="review_version"),
        migrations.RemoveField(model_name="clinic", name="version"),
        migrations.AddField(
            model_name="clinic",
            name="version",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(give_each_clinic_a_version, migrations.RunPython.noop),
    ]
