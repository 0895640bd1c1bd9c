#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painlog.settings")
    # Without a secret key this is a developer's machine: manage.py runs in local development
    # mode (debug on, a throw-away key), as `make run` does. A server sets DJANGO_SECRET_KEY
    # and keeps debug off; gunicorn goes through wsgi.py, which never does this.
    if not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
