"""Answers to the name question that are names (german/names.py)."""
from __future__ import annotations

import pytest

from german.names import name_in_answer


@pytest.mark.parametrize("text", [
    "Nina Neumann", "nils weber", "Gisela Weber", "Dr. Hans-Peter Müller-Lüdenscheidt", "Zeynep Şahin",
    "Renée O’Neill", "Nguyen Van An", "Katarzyna Wiśniewska", "Ursula von der Leyen", "Im Soo-jin",
])
def test_names_are_names(text):
    assert name_in_answer(text) == text


@pytest.mark.parametrize("text", [
    "nein", "Nein danke", "nein, ich möchte nicht", "Ich möchte einen Menschen", "Nina", "Anna Schulz 2",
    "weiß ich nicht", "egal", "Was soll das", "Nein Niemann", "Ich will abbrechen", "zurück bitte",
    "a" * 90 + " b",
])
def test_answers_that_are_no_names(text):
    assert name_in_answer(text) is None
