"""A clinic's phone, contact e-mail and emergency number (CLINICAL.md section 6).

Existing clinics get an empty phone and e-mail, which the admin asks for at their next edit,
and the emergency number of their time zone.
"""

import django.core.validators
from django.db import migrations, models

PHONE = django.core.validators.RegexValidator(
    "^\\+?[0-9][0-9 ()-]{1,28}$", "A phone number: digits, spaces, +, ( ) and - only."
)


def emergency_numbers(apps, schema_editor):
    # As Clinic.save() fills it (models/clinic.emergency_number_for, as it was when written).
    Clinic = apps.get_model("diary", "Clinic")
    uk = ("Europe/London", "Europe/Belfast", "Europe/Guernsey", "Europe/Jersey")
    for clinic in Clinic.objects.filter(emergency_number=""):
        if clinic.time_zone in uk:
            clinic.emergency_number = "999"
        elif clinic.time_zone.startswith(("Europe/", "Atlantic/Canary", "Atlantic/Madeira")):
            clinic.emergency_number = "112"
        else:
            clinic.emergency_number = "911"
        clinic.save(update_fields=["emergency_number"])


class Migration(migrations.Migration):
    dependencies = [("diary", "0010_reading_due_and_missed")]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="phone",
            field=models.CharField(
                default="",
                help_text="Patients with an urgent symptom are told to call this number today.",
                max_length=30,
                validators=[PHONE],
                verbose_name="phone",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clinic",
            name="contact_email",
            field=models.EmailField(
                default="",
                help_text="Told at once of each red flag, with a link and no health data.",
                max_length=254,
                verbose_name="contact e-mail",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clinic",
            name="emergency_number",
            field=models.CharField(
                blank=True,
                help_text="Left empty: 999 in the UK, 112 elsewhere in Europe, 911 elsewhere.",
                max_length=10,
                validators=[PHONE],
                verbose_name="emergency number",
            ),
        ),
        migrations.RunPython(emergency_numbers, migrations.RunPython.noop),
    ]
