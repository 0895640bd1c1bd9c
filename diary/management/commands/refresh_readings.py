"""Read every episode again and store its reading (diary/review.py).

Run it after a release that changes a rule of diary/diagnosis.py or diary/schedule.py: the
dashboard sorts and filters on the stored readings, which the old rules made. Every change
made through painlog stores the reading by itself; this is for new rules only.
"""

from django.core.management.base import BaseCommand

from diary import review
from diary.models import Episode


class Command(BaseCommand):
    help = "Store every episode's reading again, after a release that changes a clinical rule."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", type=int, help="only this clinic's episodes (its id)")

    def handle(self, *args, clinic=None, **options):
        episodes = Episode.objects.all()
        if clinic is not None:
            episodes = episodes.filter(clinic_id=clinic)
        review.store(episodes)
        self.stdout.write(f"Read {episodes.count()} episodes again.")
