"""What the patient's Today page says: the injection it is about, what is due now and next,
the guidance for this moment, and until when all that holds."""

from functools import cached_property

from diary import review, schedule
from diary.models import BlockType


class Today:
    """A patient's Today at `now`, from their `episodes` (each with its clinic).

    `key` names everything the page shows, the moment included: the page can be drawn from
    the cache under it. The rest is read when first asked for (the ratings on `plan`).
    """

    def __init__(self, episodes, now):
        self.episodes, self.now = episodes, now

    @cached_property
    def episode(self):
        """The latest in progress, else the next upcoming, else the latest complete."""
        newest_first = sorted(self.episodes, key=lambda e: (e.starts_at, e.pk), reverse=True)
        found = {}
        for episode in newest_first:
            status = review.Reading.at(episode, self.now).status
            if status == schedule.STATUS_UPCOMING or status not in found:
                found[status] = episode  # the last upcoming seen is the soonest
        for status in (schedule.STATUS_IN_PROGRESS, schedule.STATUS_UPCOMING):
            if status in found:
                return found[status]
        return found.get(schedule.STATUS_COMPLETE)

    @cached_property
    def until(self):
        """The next moment the clock alone changes the page: a window opening or closing,
        midnight in the clinic, the end of the first hours, an episode starting or completing
        (which moves Today to another one)."""
        if self.episode is None:
            return None
        windows = self.episode.schedule(self.now, ratings=False)
        moments = [schedule.changes_at(windows, analgesic_free_hours=self.analgesic_free_hours)]
        for episode in self.episodes:
            moments += [episode.starts_at, episode.complete_at]
        return min(moment for moment in moments if moment is not None and moment > self.now)

    @property
    def key(self):
        """What the page shows: each episode as it stands (its `updated_at` moves with every
        change to it) and the moment until which the clock leaves the page as it is."""
        versions = sorted((str(e.uuid), e.updated_at.isoformat()) for e in self.episodes)
        return f"{versions}:{self.until}"

    @property
    def analgesic_free_hours(self):
        return self.episode.clinic.analgesic_free_hours

    @cached_property
    def plan(self):
        return self.episode.load_ratings().schedule(self.now)

    @cached_property
    def guidance(self):
        return schedule.guidance(
            self.plan,
            analgesic_free_hours=self.analgesic_free_hours,
            no_improvement_day=self.episode.clinic.no_improvement_day,
            steroid=self.episode.block_type == BlockType.THERAPEUTIC,
        )

    @cached_property
    def latest(self):
        """The rating saved last."""
        ratings = self.episode.load_ratings().ratings.all()
        return max(ratings, key=lambda rating: (rating.recorded_at, rating.pk), default=None)
