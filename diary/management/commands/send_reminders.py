"""E-mail each patient whose diary rating is due, once per rating: run it every 5 minutes.

Safe to run twice at once (two cron hosts, a slow run overlapping the next): every reminder is
claimed in the database before it is sent, so it goes out once (diary/reminders.py).
"""

from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from diary import reminders


class Command(BaseCommand):
    help = "E-mail patients whose diary rating is due, once per rating, never at night."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )
        parser.add_argument(
            "--now", help="Act as if it were this moment (ISO 8601, e.g. 2026-05-04T19:05Z)."
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        now = self.moment(now)
        sent = failed = 0
        for reminder in list(reminders.owed(now)):
            # Episode and rating only: cron logs are no place for addresses.
            line = f"episode {reminder.episode.uuid} {reminder.item.key}"
            if dry_run:
                self.stdout.write(f"would send: {line}")
                continue
            if not reminders.claim(reminder, now):
                continue  # another run took it
            try:
                reminders.send(reminder)
            except Exception as error:  # any failure: give the claim back, go on
                reminders.give_back(reminder)
                failed += 1
                self.stderr.write(f"not sent: {line}: {error}")
                continue
            sent += 1
            self.stdout.write(f"sent: {line}")
        if not dry_run:
            self.stdout.write(f"{sent} sent, {failed} failed")
        if failed:
            raise CommandError(f"{failed} reminders could not be sent; they will be retried.")

    def moment(self, text):
        if text is None:
            return timezone.now()
        moment = parse_datetime(text.replace("Z", "+00:00"))
        if moment is None:
            raise CommandError(f"--now {text!r} is not an ISO 8601 date and time.")
        if timezone.is_naive(moment):
            raise CommandError("--now needs a time zone, e.g. 2026-05-04T19:05+00:00.")
        return moment.astimezone(UTC)
