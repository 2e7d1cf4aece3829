"""Yes and no read from the start of an answer (german/answers.py)."""
from __future__ import annotations

import pytest

from german.answers import yes_or_no


@pytest.mark.parametrize("text, answer", [
    ("ja", True), ("Ja, bitte stornieren.", True), ("jo passt", True), ("äh ja", True),
    ("ja die nummer von der ich anrufe", True), ("ok ja machen sie das", True),
    ("nein", False), ("nee doch nicht", False), ("Hmm, nee warte, doch nicht. Ich behalte den Termin lieber.", False),
    ("ja gern, aber lieber Donnerstag", None), ("wann ist das", None), ("", None),
])
def test_yes_no_or_neither(text, answer):
    assert yes_or_no(text) is answer
