"""The clinic's dashboard: its search, its episodes in the order a clinician works through
them (those needing attention first), and each row as the table shows it.

The order and the filters read each episode's stored reading (review.py), so SQL sorts and
pages a clinic of any size and only the rows shown are read; each row says in words what
`review.Reading` says in codes, ready for the template to print (`row`).
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.utils.formats import date_format
from django.utils.timezone import localtime

from diary import diagnosis, display, review, schedule, wording
from diary.models import BlockType, Side


class Dashboard:
    """A clinic's dashboard at `now`: the search asked for (`DashboardFilter`) and that page of
    its episodes. Each part is read when first asked for: a page from the cache asks for none.
    """

    PAGE_SIZE = 25
    ellipsis = Paginator.ELLIPSIS

    def __init__(self, search, episodes, now, page_number, zone):
        self.search, self.episodes, self.now = search, episodes, now
        self.page_number, self.zone = page_number, zone

    @cached_property
    def page(self):
        episodes = ReviewList(self.search.narrow(self.episodes, self.now), self.now, self.zone)
        return Paginator(episodes, self.PAGE_SIZE).get_page(self.page_number)

    @cached_property
    def page_numbers(self):
        return self.page.paginator.get_elided_page_range(self.page.number)

    @property
    def filtered(self):
        return self.search.has_changed()

    @property
    def chosen(self):
        return {name: self.search.data.get(name, "") for name in self.search.fields}

    @property
    def status_choices(self):
        return [(value, str(label)) for value, label in self.search.fields["status"].choices]

    @property
    def result_choices(self):
        return [(value, str(label)) for value, label in self.search.fields["result"].choices]

    @property
    def attention_choices(self):
        return [(value, str(label)) for value, label in self.search.fields["attention"].choices]


class ReviewList:
    """The dashboard's rows: those needing attention first, then the newest injection first.

    The order and the filters read each episode's stored reading, so SQL sorts and pages a
    clinic of any size, and only the rows shown are read. Those needing attention are the
    episodes with a red flag (a partial index) and those late while their diary runs (an index
    on `complete_at` reaches only recent ones); the others come in injection order (an
    index). Paginator counts it and slices it like a list.
    """

    ORDER = ("-starts_at", "-pk")
    # What a row shows: a third of the columns of an episode, and its patient's names.
    ROW_FIELDS = (
        "uuid",
        "side",
        "block_type",
        *review.FIELDS,
        "patient__username",
        "patient__first_name",
        "patient__last_name",
    )

    def __init__(self, episodes, now, zone):
        """`episodes`: of one clinic, whose time `zone` the rows show."""
        late = review.late_q(now)
        self.now, self.zone = now, zone
        self.episodes = episodes
        self.red = episodes.filter(red_flag=True)
        self.late = episodes.filter(late, red_flag=False)
        self.others = episodes.filter(red_flag=False).exclude(late)

    def count(self):
        return self.episodes.count()

    def keys(self, episodes, start, stop):
        return list(episodes.order_by(*self.ORDER).values_list("starts_at", "pk")[start:stop])

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        # Each list of those needing attention up to the page's end, merged in page order. The
        # late ones are only among diaries still running (the complete_at index finds them):
        # sorted here, as an ORDER BY would make SQLite walk the whole clinic in date order.
        red = self.keys(self.red, 0, stop)
        late = sorted(self.late.order_by().values_list("starts_at", "pk"), reverse=True)[:stop]
        attention = sorted(red + late, reverse=True)
        page = attention[start:stop]
        if len(red) < stop and len(late) < stop and len(page) < stop - start:
            # Both lists are whole: the others fill the page from where they end.
            first = max(0, start - len(attention))
            page += self.keys(self.others, first, first + stop - start - len(page))
        pks = [pk for _starts_at, pk in page]
        # Unordered: the page's order is `pks`; an ORDER BY would walk the clinic's episodes
        # in date order to find these 25.
        rows = self.episodes.filter(pk__in=pks).order_by().select_related("patient")
        by_pk = {episode.pk: episode for episode in rows.only(*self.ROW_FIELDS)}
        words = Words(self.zone)
        return [row(review.Reading.at(by_pk[pk], self.now), words) for pk in pks if pk in by_pk]


class Words:
    """The words every row repeats, translated once for a page."""

    def __init__(self, zone):
        self.zone = zone
        self.sides = translated(dict(Side.choices))
        self.status = translated(wording.STATUS)
        self.results = translated(wording.RESULTS)
        self.steroid = translated(wording.STEROID)
        self.blocks = translated(wording.BLOCKS)
        self.from_day = str(wording.FROM_DAY)
        self.not_injected = str(wording.NOT_INJECTED)


def translated(words):
    return {code: str(text) for code, text in words.items()}


def row(reading, words):
    """One episode as a row of the dashboard: what each cell says, in words.

    A dict, not an object: the template engine finds a dict's keys at its first try, where
    each attribute of an object costs it a failed key lookup first, and a page has 25 rows of
    a dozen cells.
    """
    episode = reading.episode
    if episode.block_type == BlockType.DIAGNOSTIC:
        steroid = words.steroid[diagnosis.NOT_APPLICABLE]
    else:
        steroid = words.steroid[reading.steroid]
        if reading.onset_day:
            steroid = f"{steroid} {words.from_day} {reading.onset_day}"
    return {
        "url": episode.get_absolute_url(),
        "patient": str(episode.patient),
        "needs_attention": reading.needs_attention,
        "starts_at": episode.starts_at.isoformat(),  # for the <time> element
        "injected": date_format(localtime(episode.starts_at, words.zone), "j M Y, H:i"),
        "side": words.sides[episode.side],
        "block": words.blocks[episode.block_type],
        "status": words.status[reading.status],
        "result": reading.result,  # the code: the cell's class and icon
        "result_icon": wording.RESULT_ICONS[reading.result],
        # Before the injection there is nothing to read: not "incomplete" but not yet done.
        "result_words": words.not_injected
        if reading.status == schedule.STATUS_UPCOMING
        else words.results[reading.result],
        "relief": None if reading.relief is None else display.percent(reading.relief),
        "steroid": steroid,
        "flags": reading.flags,  # (code, words)
        "diary": f"{reading.done}/{reading.total}",  # ratings done of all asked for
    }
