"""Sessions in the database, their expiry renewed at most once a minute.

A session ends after ``SESSION_COOKIE_AGE`` without a request, so every request
renews its expiry (``SESSION_SAVE_EVERY_REQUEST``). Written on every request,
that renewal was a database write, in a transaction, for each API page read.
Here a session whose data did not change is written again only once its
expiry is more than ``RENEWAL_RESOLUTION`` old: it then ends at most that much
before ``SESSION_COOKIE_AGE`` without a request, never later. A change to the
session (sign-in, second factor, language) is written at once, as before.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.utils import timezone

RENEWAL_RESOLUTION = datetime.timedelta(minutes=1)


class SessionStore(db.SessionStore):
    _stored_expiry: datetime.datetime | None = None

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def _renewed_lately(self) -> bool:
        if self._stored_expiry is None or "_session_expiry" in self._session:
            return False
        age = datetime.timedelta(seconds=self.get_session_cookie_age())
        return self._stored_expiry - timezone.now() > age - RENEWAL_RESOLUTION

    def save(self, must_create: bool = False) -> None:
        if not must_create and not self.modified and self._renewed_lately():
            return
        super().save(must_create=must_create)
        self._stored_expiry = None
