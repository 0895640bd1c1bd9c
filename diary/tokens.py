"""The one-time set-up link a patient uses to choose their password.

Django's password-reset tokens, with two differences. The token is stamped with the moment the
clinic issued the link (`User.setup_link_issued_at`) rather than the moment it is shown, so the
clinician's page, the QR code and the e-mail all carry the same link, valid for
PASSWORD_RESET_TIMEOUT (7 days) from issue; issuing a new link moves that moment and the old
link stops working. And a sign-in after the link was issued (which setting the password through
it does) uses the link up, even though the token could be recomputed from the new state.
"""

import re
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

# Why a link does not work, for the page that says so.
EXPIRED, USED, REPLACED, INVALID = "expired", "used", "replaced", "invalid"
OPEN = "open"

# What the generator makes: seconds since 2001 in base 36, a dash, half a SHA-256 in hex.
TOKEN_SHAPE = re.compile(r"[0-9a-z]{1,13}-[0-9a-f]{32}")


class SetupTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "diary.tokens.SetupTokenGenerator"

    def make_token(self, user):
        return self._make_token_with_timestamp(user, self.issued_seconds(user), self.secret)

    def check_token(self, user, token):
        if user is None or not is_open(user):
            return False
        return super().check_token(user, token)

    def _make_hash_value(self, user, timestamp):
        # Django's value holds the password hash and last sign-in, so the link works once.
        issued = user.setup_link_issued_at.isoformat() if user.setup_link_issued_at else ""
        return super()._make_hash_value(user, timestamp) + issued

    def _now(self):
        # Naive UTC, like issued_seconds(); Django's default reads the process's local clock.
        return timezone.now().astimezone(UTC).replace(tzinfo=None)

    def issued_seconds(self, user):
        return self._num_seconds(user.setup_link_issued_at.astimezone(UTC).replace(tzinfo=None))


setup_token_generator = SetupTokenGenerator()


def is_open(user):
    """A link was issued and nobody has signed in as this user since."""
    issued = user.setup_link_issued_at
    if issued is None or not user.is_active:
        return False
    return user.last_login is None or user.last_login < issued


def issue(user):
    """Make a new set-up link for `user`; any earlier one stops working."""
    user.setup_link_issued_at = timezone.now()
    user.save(update_fields=["setup_link_issued_at"])


def expires_at(user):
    return user.setup_link_issued_at + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def link_path(user):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("setup", args=[uidb64, setup_token_generator.make_token(user)])


def state(user):
    """The user's current link: None (never issued), OPEN, EXPIRED, USED or INVALID."""
    if user.setup_link_issued_at is None:
        return None
    return problem(user, setup_token_generator.make_token(user)) or OPEN


def problem(user, token):
    """Why `token` does not open `user`'s set-up page (EXPIRED, USED…), or None if it does."""
    if user is None or not user.is_active or user.setup_link_issued_at is None:
        return INVALID
    if not token or not TOKEN_SHAPE.fullmatch(token):
        return INVALID
    if setup_token_generator.check_token(user, token):
        return None
    stamp = base36_to_int(token.split("-")[0])
    issued = setup_token_generator.issued_seconds(user)
    if stamp < issued:
        return REPLACED
    if stamp > issued:
        return INVALID
    if not is_open(user):
        return USED
    if constant_time_compare(token, setup_token_generator.make_token(user)):
        return EXPIRED
    return INVALID
