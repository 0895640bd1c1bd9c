"""The client's address behind reverse proxies (diary/network.py): the lockout and the audit
log must see the client, and a client must not be able to name an address of its choosing."""

import ipaddress
from types import SimpleNamespace

import pytest
from django.urls import reverse

from diary.models import AuditEvent
from diary.network import client_ip

PROXY = "10.0.0.2"


def request(forwarded=None, remote=PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return SimpleNamespace(META=meta)


def networks(*texts):
    return [ipaddress.ip_network(text) for text in texts]


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [(None, PROXY), ("203.0.113.7", PROXY), ("6.6.6.6, 203.0.113.7", PROXY)],
)
def test_without_a_trusted_proxy_the_header_is_ignored(settings, forwarded, expected):
    settings.PAINLOG_PROXY_HOPS, settings.PAINLOG_TRUSTED_PROXIES = 0, []

    assert client_ip(request(forwarded)) == expected


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "2001:db8::5", "2001:db8::5"),
        (1, None, PROXY),  # no header: the connection's address
        (2, "203.0.113.7", PROXY),  # fewer entries than proxies: not believed
        (1, "6.6.6.6, not-an-address", "6.6.6.6"),
    ],
)
def test_behind_a_number_of_proxies_it_reads_that_many_back(settings, hops, forwarded, expected):
    settings.PAINLOG_PROXY_HOPS, settings.PAINLOG_TRUSTED_PROXIES = hops, []

    assert client_ip(request(forwarded)) == expected


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (PROXY, "6.6.6.6, 203.0.113.7, 10.1.2.3", "203.0.113.7"),  # two trusted proxies
        ("198.51.100.1", "203.0.113.7", "198.51.100.1"),  # not from a trusted proxy
        (PROXY, "10.1.2.3", "10.1.2.3"),  # only proxies: the furthest one
    ],
)
def test_behind_trusted_networks_it_skips_every_trusted_proxy(
    settings, remote, forwarded, expected
):
    settings.PAINLOG_PROXY_HOPS, settings.PAINLOG_TRUSTED_PROXIES = 0, networks("10.0.0.0/8")

    assert client_ip(request(forwarded, remote)) == expected


def sign_in(client, username, password, address):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.django_db
def test_behind_a_proxy_one_client_locked_out_locks_out_no_one_else(settings, client, patient):
    settings.PAINLOG_PROXY_HOPS = 1
    for _ in range(5):
        sign_in(client, patient.username, "wrong", "203.0.113.7")

    locked = sign_in(client, patient.username, "pw", "203.0.113.7")
    other = sign_in(client, patient.username, "pw", "198.51.100.20")

    assert locked.status_code == 429
    assert other.status_code == 302  # the same account, from another client behind the proxy


@pytest.mark.django_db
def test_the_audit_log_records_the_client_behind_the_proxy(settings, clinician_client):
    settings.PAINLOG_PROXY_HOPS = 1

    clinician_client.get(
        reverse("clinic:dashboard"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7"
    )

    assert AuditEvent.objects.get().ip_address == "203.0.113.7"
