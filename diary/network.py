"""The address a request came from, behind as many reverse proxies as the settings trust.

Without a trusted proxy (the default) it is the connection's own address, REMOTE_ADDR, and an
X-Forwarded-For header is ignored: anyone can send one. Behind trusted proxies each appends the
address it saw to X-Forwarded-For, so the client's is found by reading the header from the
right: `PAINLOG_PROXY_HOPS` entries back (the number of proxies in front of painlog), or past
every entry within `PAINLOG_TRUSTED_PROXIES` (networks, for a changing number of proxies).
What a client wrote into the header itself lies further left and is never read.

django-axes (`AXES_CLIENT_IP_CALLABLE`) and the audit log both use `client_ip`, so a lockout
behind a proxy locks the one client, and the log records them, not the proxy.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address as a string, or None when there is none to be had."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    hops, networks = settings.PAINLOG_PROXY_HOPS, settings.PAINLOG_TRUSTED_PROXIES
    if not hops and not networks:
        return _text(remote)
    forwarded = [
        _address(entry) for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    ]
    chain = [entry for entry in forwarded if entry is not None]
    if hops:
        # Each of the `hops` proxies appended one address; the first of those is the client's.
        return _text(chain[-hops]) if len(chain) >= hops else _text(remote)
    # Trusted networks: from the connection back, skip every trusted proxy.
    if remote is None or not _trusted(remote, networks):
        return _text(remote)
    for address in reversed(chain):
        if not _trusted(address, networks):
            return _text(address)
    return _text(chain[0] if chain else remote)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks):
    return any(address in network for network in networks)


def _text(address):
    return None if address is None else str(address)
