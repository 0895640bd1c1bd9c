"""`/health/` for load balancers (django-health-check): the database answers, the cache and the
file storage work, every migration is applied. It names the checks and their state, never
any data."""

import dataclasses

from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """A server started on code whose migrations were not run would fail on its first write."""

    alias: str = "default"

    def run(self):
        connection = connections[self.alias]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        finally:
            connection.close()  # this runs in a worker thread: leave no connection behind
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migrations not applied")


CHECKS = (Database, Cache, Storage, MigrationsApplied)
