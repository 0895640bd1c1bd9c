"""The README's deploy steps, followed as written: static files collected by its command into
production's storage (a manifest, debug off), then every admin page opened as the
administrator. A file the command leaves out of the manifest makes a page answer 500."""

import re
import shlex
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from diary.models import AuditEvent
from tests.factories import rating_for

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"
PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def readme_command(name):
    """The arguments of the README's `python manage.py <name>` line in its deploy steps."""
    deploy = README.read_text().split("## Deploying", 1)[1]
    line = re.search(rf"^python manage\.py {name}\b.*$", deploy, re.M).group(0)
    return shlex.split(line)[3:]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Static files as the README collects them, for production's storage."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", *readme_command("collectstatic"), verbosity=0)
    return root


def admin_pages(administrator):
    """The admin's index, and each registered model's list, add (where it may add) and
    change pages."""
    request = RequestFactory().get("/admin/")
    request.user = administrator
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{name}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"{name}_add")
        instance = model._default_manager.first()
        if instance is not None:
            yield reverse(f"{name}_change", args=[instance.pk])


def test_every_admin_page_opens_after_the_readmes_deploy_steps(
    collected, admin_client, admin_user, episode, settings
):
    rating_for(episode, "provocation", 2)
    AuditEvent.objects.create(action=AuditEvent.Action.VIEW, what="dashboard")
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.STORAGES = PRODUCTION_STORAGES
    assert (collected / "staticfiles.json").exists()

    answers = {path: admin_client.get(path).status_code for path in admin_pages(admin_user)}

    assert len(answers) > 10
    assert {path: status for path, status in answers.items() if status != 200} == {}
