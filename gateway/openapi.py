"""The gateway's OpenAPI 3.1 document (gateway/openapi.yml), served as JSON at /api/openapi.json.

The YAML file is the source; it is read once per process (YAML anchors resolved) and served as
is. tests/unit/gateway/test_openapi.py keeps it and the Flask routes in step."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify

DOCUMENT = Path(__file__).with_name("openapi.yml")

bp = Blueprint("openapi", __name__)


@lru_cache(maxsize=1)
def load_document() -> dict[str, Any]:
    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{DOCUMENT} is not an OpenAPI document")
    return document


@bp.get("/api/openapi.json")
def document() -> Response:
    response = jsonify(load_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
