"""Times painlog's key pages against bare views (tools/benchmark.py), runs the load run
(tools/loadrun.py) or prints the dashboard's query plans. Exits 1 when a budget is broken or
the load run lost or doubled a rating."""

from django.core.management.base import BaseCommand, CommandError

from tools import benchmark, loadrun


class Command(BaseCommand):
    help = "Time key pages against bare views; exit 1 when a budget is broken."

    def add_arguments(self, parser):
        parser.add_argument("--small", type=int, default=100, help="episodes in the clinic")
        parser.add_argument("--large", type=int, default=10000, help="episodes in the clinic")
        parser.add_argument("--repeat", type=int, default=50, help="timed requests a page")
        parser.add_argument("--no-budgets", action="store_true", help="report only; exit 0")
        parser.add_argument("--load", action="store_true", help="the load run instead")
        parser.add_argument("--load-users", type=int, default=20, help="locust users")
        parser.add_argument("--load-seconds", type=int, default=60, help="each phase's length")
        parser.add_argument(
            "--plans", action="store_true", help="the dashboard's query plans at --large"
        )

    def handle(self, *args, small, large, repeat, no_budgets, **options):
        if options["load"]:
            users, seconds = options["load_users"], options["load_seconds"]
            if not loadrun.run(self.stdout, background=small, users=users, seconds=seconds):
                raise CommandError("The load run failed: see above.")
            return
        if options["plans"]:
            benchmark.print_plans(self.stdout, large)
            return
        if not 0 < small < large:
            raise CommandError("--small must be above 0 and below --large.")
        failures = benchmark.run(self.stdout, small=small, large=large, repeat=repeat)
        if failures and not no_budgets:
            raise CommandError(f"{len(failures)} budget(s) broken: " + "; ".join(failures))
