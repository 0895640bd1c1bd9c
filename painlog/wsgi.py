import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painlog.settings")

application = get_wsgi_application()
# Import the URLconf (and matplotlib with it) now, so that gunicorn --preload pays for it once
# instead of on each worker's first request.
get_resolver().url_patterns  # noqa: B018
