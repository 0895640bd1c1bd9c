"""Querysets compiled once and run many times, for the few queries of every request.

The ORM takes longer to build and compile a small query than the database takes to run it:
on this project's hottest paths (a patient's episode for each diary page and rating, the
chart) compiling was most of a request's time beyond the session's. A `Prepared` query is
written as an ordinary queryset, with placeholder values; the ORM compiles it once per
database, and each call runs that SQL with the call's values in the placeholders' places and
turns the rows into model instances through the column converters the compiler chose, as the
ORM's own iterator does (`Model.objects.raw()` worked out the columns and converters again at
every call: a third of a rating POST's reads).

Only plain querysets of one model loading all its columns: filters on its own columns, no
only() or prefetch; select_related() of its own foreign keys, one level deep.
Placeholders are integers or UUIDs.

`increment` and `insert` write without `Model.save()`, and `write_together` makes several
such writes (`insert_of`, `update_of`, `increment_of`) all or none (on PostgreSQL in one
statement): no pre_save or post_save signal is sent for those rows (none is received today;
a receiver added for Rating or AuditEvent would have to move these writes back to save()).
"""

import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connections, transaction


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
        sql, slots, models, converters = self.compiled[connection.alias]
        params = [values[name].hex if as_hex else values[name] for name, as_hex in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # What the ORM's own iterator does with each row: the converters of each column (text
        # to datetime on SQLite, JSON, UUIDs), then an instance as loaded from the database,
        # and one of each model joined by select_related, set on it.
        (model, names, start, end), *joined = models
        instances = []
        for row in rows:
            if converters:
                row = list(row)
                for position, functions, expression in converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            instance = model.from_db(connection.alias, names, row[start:end])
            for other, other_names, other_start, other_end, setter in joined:
                setter(
                    instance,
                    other.from_db(connection.alias, other_names, row[other_start:other_end]),
                )
            instances.append(instance)
        return instances

    def compile(self, connection):
        """The SQL, where each placeholder goes, which columns make which model's instance,
        and the converters of each column, from the ORM's compiler."""
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        columns = [expression for expression, _sql, _alias in compiler.select]
        info = compiler.klass_info
        models = [self.columns_of(info, columns)]
        for related in info.get("related_klass_infos", []):
            if related.get("related_klass_infos") or related["reverse"]:
                raise ValueError("A prepared query joins foreign keys of its own model only.")
            models.append((*self.columns_of(related, columns), related["local_setter"]))
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        ]
        slots = [self.slot(param) for param in params]
        return sql, slots, models, converters

    @staticmethod
    def columns_of(info, columns):
        """(model, attribute names, first column, end column) of one model in the row."""
        model, positions = info["model"], info["select_fields"]
        names = [columns[position].target.attname for position in positions]
        if names != [field.attname for field in model._meta.concrete_fields]:
            raise ValueError("A prepared query loads every column of its models, in order.")
        return model, names, positions[0], positions[-1] + 1

    def slot(self, param):
        """Which placeholder a compiled parameter is, and whether it went in as hex text."""
        for name, sample in self.placeholders.items():
            if param == sample:
                return name, False
            if isinstance(sample, uuid.UUID) and param == sample.hex:
                return name, True
        raise ValueError(f"{param!r} in the compiled query is not a placeholder")


@dataclass
class Write:
    """One INSERT or UPDATE of one row: its SQL, its parameters, its database and, for an
    INSERT, the instance that takes the new key."""

    sql: str
    params: list
    using: str
    inserted: object = None
    key_column: str = ""
    columns: tuple = ()  # an INSERT's fields, in the order of its values


def increment(model, pk, *names):
    """Add one to columns of one row, in SQL (concurrent writers each add theirs)."""
    write_together([increment_of(model, pk, *names)])


def insert(instance):
    """INSERT `instance` as a new row, as `save()` would (defaults, `auto_now_add`, its new
    key), without building a query: the audit log writes an entry at nearly every request."""
    write_together([insert_of(instance)])


def update_of(instance, names):
    """UPDATE these columns of `instance`'s row to its attributes' values, as
    `Model.objects.filter(pk=...).update(...)` would, without building a query: each rating
    saved writes its episode's reading this way."""
    model = type(instance)
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    params = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]
    pk = model._meta.pk
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    return Write(sql, [*params, pk.get_db_prep_value(instance.pk, connection)], connection.alias)


def increment_of(model, pk, *names):
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    columns = [quote(model._meta.get_field(name).column) for name in names]
    assignments = ", ".join(f"{column} = {column} + 1" for column in columns)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    return Write(sql, [pk], connection.alias)


def insert_of(instance):
    model = type(instance)
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    params = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    return Write(
        sql,
        params,
        connection.alias,
        instance,
        quote(model._meta.pk.column),
        tuple(field.attname for field in fields),
    )


def insert_selecting(write, source, taken):
    """`write`, an INSERT of one row, as an INSERT ... SELECT from the query named `source`
    (a WITH query of the same statement), whose columns fill the fields in `taken` (field
    attribute name: source column): a row for each row of `source`, none when it is empty.
    Returns the SQL and its parameters."""
    connection = connections[write.using]
    quote = connection.ops.quote_name
    values, params = [], []
    for name, param in zip(write.columns, write.params, strict=True):
        if name in taken:
            values.append(f"{quote(source)}.{quote(taken[name])}")
        else:
            values.append("%s")
            params.append(param)
    head = write.sql.split(" VALUES ", 1)[0]
    return f"{head} SELECT {', '.join(values)} FROM {quote(source)}", params


def write_together(writes):
    """Make these writes (of one database) all or none, and give each inserted instance its
    new key.

    On PostgreSQL, several writes go as one statement of data-modifying WITH queries: atomic
    by itself, one round trip instead of BEGIN, one per write and COMMIT (a rating POST's
    writes took six). Elsewhere (SQLite, in the process), each in turn in one transaction.
    """
    connection = connections[writes[0].using]
    if len(writes) == 1:
        with connection.cursor() as cursor:
            run(cursor, writes[0], connection)
    elif connection.vendor == "postgresql":
        parts, params, keys = [], [], []
        for number, write in enumerate(writes):
            returning = f" RETURNING {write.key_column}" if write.inserted is not None else ""
            parts.append(f"w{number} AS ({write.sql}{returning})")
            params += write.params
            if write.inserted is not None:
                keys.append(f"(SELECT {write.key_column} FROM w{number})")
        sql = f"WITH {', '.join(parts)} SELECT {', '.join(keys) or 'NULL'}"
        # Inside a transaction, a failed statement would spoil the rest of it: a savepoint
        # keeps the failure to this one. Outside, the one statement is its own transaction.
        within = transaction.atomic(using=connection.alias) if connection.in_atomic_block else None
        with within or nullcontext(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            new_keys = list(cursor.fetchone())
        for write in writes:
            if write.inserted is not None:
                saved(write.inserted, new_keys.pop(0), connection)
    else:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for write in writes:
                run(cursor, write, connection)


def run(cursor, write, connection):
    """Execute one write; an INSERT's instance takes its new key."""
    if write.inserted is None:
        cursor.execute(write.sql, write.params)
        return
    model = type(write.inserted)
    if connection.features.can_return_columns_from_insert:
        cursor.execute(f"{write.sql} RETURNING {write.key_column}", write.params)
        key = cursor.fetchone()[0]
    else:
        cursor.execute(write.sql, write.params)
        key = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    saved(write.inserted, key, connection)


def saved(instance, key, connection):
    instance.pk = key
    instance._state.adding, instance._state.db = False, connection.alias
