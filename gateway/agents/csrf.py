"""CSRF protection for the console's form posts (and session-authenticated JSON posts):
a random token in the signed session, echoed in a hidden field or the X-CSRF-Token header."""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

_KEY = "csrf_token"


def csrf_token() -> str:
    token = session.get(_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


def csrf_ok() -> bool:
    expected = session.get(_KEY)
    given = request.form.get(_KEY) or request.headers.get("X-CSRF-Token") or ""
    return isinstance(expected, str) and bool(given) and hmac.compare_digest(expected.encode(), given.encode())
