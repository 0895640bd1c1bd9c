"""Personas of the view tests: the test client signed in as each of those a page is hidden
from. A test that takes one runs once for each of them."""

import pytest


@pytest.fixture(params=["patient", "other_clinician"])
def clinic_stranger_client(request, client):
    """Signed in as someone the clinic's pages about the patient are hidden from: the patient
    themself, or another clinic's clinician."""
    client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.fixture(params=["other_patient", "clinician", "other_clinician", "admin_user"])
def diary_stranger_client(request, client):
    """Signed in as someone a patient's own diary pages are hidden from: another patient, or
    anyone on the staff."""
    client.force_login(request.getfixturevalue(request.param))
    return client
