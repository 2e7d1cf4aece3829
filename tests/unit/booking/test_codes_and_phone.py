"""Booking codes to read aloud and phone numbers as verification."""
from __future__ import annotations

import re

import pytest

from booking_adapter.codes import ALPHABET, new_code, normalise_code
from german.phone import normalise_phone, same_phone


def test_codes_are_three_plus_three_symbols_from_an_unambiguous_alphabet():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", code) for code in codes)
    assert set("".join(codes).replace("-", "")) <= set(ALPHABET)
    for confusable in "B8O0I1LS5Z2":
        assert confusable not in ALPHABET


@pytest.mark.parametrize("typed", ["K7M-4TX", "k7m-4tx", "K7M4TX", "k7m 4tx", " K 7 M - 4 T X ", "k7m_4tx"])
def test_code_input_ignores_case_spaces_and_dashes(typed):
    assert normalise_code(typed) == "K7M-4TX"


@pytest.mark.parametrize("typed", ["", "K7M-4T", "K7M-4TXX", "B7M-4TX", "K7M-40X", "K7M!4TX", None])
def test_impossible_codes_are_rejected(typed):
    assert normalise_code(typed) is None


@pytest.mark.parametrize("spelling", ["040 123456", "+4940123456", "0049 40 123456", "(040) 12 34 56",
                                      "+49 (0)40 123456", "040/123456"])
def test_every_spelling_of_a_hamburg_number_is_the_same(spelling):
    assert normalise_phone(spelling) == "+4940123456"
    assert same_phone(spelling, "040-123456")


def test_different_numbers_and_empty_input_do_not_verify():
    assert not same_phone("040 123457", "040 123456")
    assert not same_phone("", "040 123456")
    assert not same_phone(None, None)
    assert normalise_phone("0170 1234567") == "+491701234567"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
