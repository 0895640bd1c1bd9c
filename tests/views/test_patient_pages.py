"""What the patient's own pages have in common: Today, History and the CSV download.

Who may see each page is the access matrix's (tests/test_access_matrix.py); here, that an
anonymous visitor comes back to the page after signing in, and that the pages only read.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["patient:today", "patient:history", "patient:export"]


@pytest.mark.parametrize("name", PAGES)
def test_it_sends_an_anonymous_visitor_to_sign_in_and_back(client, name):
    url = reverse(name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("name", PAGES)
def test_it_only_answers_get(patient_client, episode, name, method):
    response = getattr(patient_client, method)(reverse(name))

    assert response.status_code == 405
