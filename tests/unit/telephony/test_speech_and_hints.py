"""Text for the ear and from the ear; speech hints from the catalogue."""
from __future__ import annotations

import pytest

from booking_adapter.port import Location, Service
from telephony.hints import HintProvider, join_hints
from telephony.speech import (
    chunks,
    critical_kind,
    first_question,
    normalise_code_speech,
    sentences,
    speakable,
    yes_or_no,
)
from telephony.texts import load_messages, load_vocabulary
from telephony.turn import parse_turn
from tests.unit.telephony.conftest import GREETING, OFFERS, ScriptedRasa, gather_of

VOCABULARY = load_vocabulary()


def test_sentences_are_not_split_after_ordinals_or_abbreviations():
    text = "Termin am Dienstag, 1. Dezember. Bringen Sie z. B. Ihren Pass mit. Danke!"
    assert sentences(text) == ["Termin am Dienstag, 1. Dezember.", "Bringen Sie z. B. Ihren Pass mit.", "Danke!"]


def test_chunks_keep_short_texts_whole():
    assert chunks("Guten Tag. Wie kann ich helfen?", 250) == ["Guten Tag. Wie kann ich helfen?"]


def test_first_question_picks_the_question_out_of_examples():
    assert first_question("Wann passt es Ihnen? Sagen Sie zum Beispiel: morgen.") == "Wann passt es Ihnen?"
    assert first_question("Danke.") is None


@pytest.mark.parametrize("heard, expected", [
    ("Ka sieben Emm vier Te Ix", "K7M-4TX"),
    ("mein Code ist K 7 M 4 T X danke", "mein Code ist K7M-4TX danke"),
    ("Kaufmann sieben Martha vier Theodor Xanthippe", "K7M-4TX"),
    ("K7M 4TX", "K7M-4TX"),
])
def test_spelled_booking_codes_are_joined(heard, expected):
    assert normalise_code_speech(heard, VOCABULARY) == expected


@pytest.mark.parametrize("heard", [
    "drei vier sechs sieben neun drei",        # digits only: a phone number, not a code
    "Ich brauche einen Termin in Hamburg Mitte",
    "der Termin passt",
    "A E",
])
def test_ordinary_speech_and_spoken_numbers_are_left_alone(heard):
    assert normalise_code_speech(heard, VOCABULARY) == heard


@pytest.mark.parametrize("text, kind", [
    ("K7M-4TX", "booking_code"),
    ("am 3. Dezember", "date"),
    ("nächsten Dienstag vormittags", "date"),
    ("um 10:30", "date"),
    ("am 3.12.", "date"),
    ("0171 2345678", "phone_number"),
    ("null eins sieben eins zwei drei vier fünf sechs", "phone_number"),
    ("so bald wie möglich", None),
    ("Personalausweis", None),
])
def test_critical_values_are_recognised(text, kind):
    assert critical_kind(text, VOCABULARY) == kind


def test_an_expected_kind_makes_any_answer_critical():
    assert critical_kind("Anna", VOCABULARY, expected="booking_code") == "booking_code"


@pytest.mark.parametrize("said, answer", [
    ("ja", True), ("Ja genau", True), ("richtig", True), ("nein", False), ("nee das stimmt nicht", False),
    ("ja nein", False), ("Dienstag", None),
])
def test_yes_and_no(said, answer):
    assert yes_or_no(said, VOCABULARY) is answer


def test_read_back_spells_codes_and_numbers():
    assert speakable("K7M-4TX") == "K, 7, M ... 4, T, X"
    assert speakable("0171 2345678") == "0 1 7 1, 2 3 4, 5 6 7 8"  # in groups, as people say it
    assert "+" not in speakable("+49 171 2345678") and speakable("+49 171 2345678").startswith("0 1 7 1")
    assert speakable("am 3. Dezember") == "am 3. Dezember"


def test_numbered_spoken_options_become_choose_option_payloads():
    turn = parse_turn(OFFERS, VOCABULARY)
    assert turn.options == ['/choose_option{"ordinal":"1"}', '/choose_option{"ordinal":"2"}',
                            '/choose_option{"ordinal":"3"}']
    assert turn.buttons == []


def test_buttons_win_over_numbered_text_and_markers_are_read():
    turn = parse_turn([
        {"text": "Termin 1: morgen.", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        {"custom": {"handover": {"reason": "requested"}, "voice": {"expect": "date"}}},
    ], VOCABULARY)
    assert turn.options == ["/affirm"]
    assert turn.handover == {"reason": "requested"}
    assert turn.expect == "date"
    assert not turn.empty


def test_a_turn_without_text_or_marker_is_empty():
    assert parse_turn([{"recipient_id": "x"}], VOCABULARY).empty


class Catalogue:
    def __init__(self):
        self.reads = 0

    def services(self):
        self.reads += 1
        return [Service("personalausweis", "Personalausweis", 30, "37,00 Euro", synonyms=("Perso",)),
                Service("fuehrerschein", "Führerscheinumtausch", 20, "25,30 Euro")]

    def locations(self, service_key=None):
        return [Location("kiwittsmoor", "Hamburg Service vor Ort Kiwittsmoor", "nord", "Straße 1")]


def test_hints_come_from_the_catalogue_when_the_gateway_has_one(make_world):
    world = make_world(ScriptedRasa(GREETING), booking=Catalogue())
    hints = [hint.strip() for hint in gather_of(world.phone().call()).get("hints").split(",")]
    assert {"Führerscheinumtausch", "Perso", "Kiwittsmoor", "Hamburg Service vor Ort Kiwittsmoor", "ja",
            "Altona"} <= set(hints)


def test_catalogue_hints_are_cached_between_turns():
    catalogue = Catalogue()
    clock = iter([0.0, 1.0, 700.0])
    provider = HintProvider(VOCABULARY, ttl_seconds=600, monotonic=lambda: next(clock))
    provider.hints(catalogue)
    provider.hints(catalogue)
    assert catalogue.reads == 1
    provider.hints(catalogue)
    assert catalogue.reads == 2


def test_a_broken_catalogue_falls_back_to_the_hint_list():
    class Broken:
        def services(self):
            raise RuntimeError("db down")

    assert "Volksdorf" in HintProvider(VOCABULARY).hints(Broken())


def test_hints_are_deduplicated_and_commas_inside_a_phrase_removed():
    assert join_hints(["Altona", "altona", "Hamburg, Mitte", ""]) == "Altona, Hamburg Mitte"


def test_every_gateway_sentence_is_german_formal_and_present():
    messages = load_messages()
    for key in messages.keys():  # noqa: SIM118 (Messages has keys(), no __iter__)
        text = messages.get(key)
        assert text.strip(), key
        assert " du " not in f" {text.lower()} " and " dich " not in f" {text.lower()} ", key
    needed = {"reprompt_first", "reprompt_second", "menu", "technical_problem", "callback_offer",
              "confirm_heard", "button_choice", "sms_booking", "sms_cancellation", "agent_whisper"}
    assert needed <= messages.keys()
