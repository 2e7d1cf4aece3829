"""Error answers of the whole gateway: a short German sentence and the status code, never a
stack trace or Werkzeug's English page. JSON under /api/, plain text elsewhere.

Blueprints with their own handlers (telephony answers TwiML) keep them; this is the default.
An unexpected exception is logged by Flask (path and method only) and answered through the
500 handler here.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

_FILE = Path(__file__).with_name("errors_de.yml")
_KEYS = {400: "bad_request", 401: "forbidden", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 415: "unsupported", 429: "too_many"}


def load_error_text() -> dict[str, str]:
    return yaml.safe_load(_FILE.read_text(encoding="utf-8"))


def _answer(status: int, text: str, headers: dict[str, str]) -> Response:
    if request.path.startswith("/api/"):
        response = jsonify(error=_KEYS.get(status, "error"), messages=[{"text": text}])
    else:
        response = Response(text, mimetype="text/plain")
    response.status_code = status
    for name, value in headers.items():  # Allow, Retry-After, WWW-Authenticate, ...
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    text = load_error_text()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # abort(some_response): that response, unchanged
            return error.response
        status = error.code or 500
        if status >= 500:
            key = "internal"
        else:
            key = _KEYS.get(status, "other")
        headers = dict(error.get_headers()) if status != 500 else {}
        return _answer(status, text[key], headers)

