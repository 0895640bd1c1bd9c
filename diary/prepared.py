"""Querysets compiled once and run many times, for the few queries of every request.

The ORM takes longer to build and compile a small query than the database takes to run it:
on this project's hottest paths (a patient's episode for each diary page and rating, the
chart) compiling was most of a request's time beyond the session's. A `Prepared` query is
written as an ordinary queryset, with placeholder values; the ORM compiles it once per
database, and each call runs that SQL through `Model.objects.raw()` with the call's values in
the placeholders' places, so the rows come back as model instances with the ORM's converters.

Only plain querysets of one model: filters on its own columns, no select_related or prefetch
(the callers join in Python what they need). Placeholders are integers or UUIDs.
"""

import uuid

from django.db import connections


class Prepared:
    def __init__(self, model, build, **placeholders):
        """`build(**placeholders)` returns the queryset; `placeholders` name sample values,
        each unlike any other value of the query (say -7001, uuid.UUID(int=7001))."""
        self.model, self.build, self.placeholders = model, build, placeholders
        self.compiled = {}

    def __call__(self, **values):
        """The rows for these values, as a list of model instances."""
        connection = connections[self.model.objects.db]
        if connection.alias not in self.compiled:
            self.compiled[connection.alias] = self.compile(connection)
        sql, slots = self.compiled[connection.alias]
        params = [values[name].hex if as_hex else values[name] for name, as_hex in slots]
        return list(self.model.objects.raw(sql, params))

    def compile(self, connection):
        queryset = self.build(**self.placeholders)
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
        slots = [self.slot(param) for param in params]
        return sql, slots

    def slot(self, param):
        """Which placeholder a compiled parameter is, and whether it went in as hex text."""
        for name, sample in self.placeholders.items():
            if param == sample:
                return name, False
            if isinstance(sample, uuid.UUID) and param == sample.hex:
                return name, True
        raise ValueError(f"{param!r} in the compiled query is not a placeholder")
