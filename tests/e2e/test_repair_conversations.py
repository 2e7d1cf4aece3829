"""Corrections, "zurück" and the unclear-input escalation through the real processes."""
from __future__ import annotations

import re
from datetime import datetime

from tests.e2e.conftest import Conversation, store_cli

CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}\b")


def _by_code(stack, code):
    return next(a for a in store_cli(stack, "list") if a["code"] == code)


def _to_read_back(chat: Conversation, place: str, phone: str) -> list[dict]:
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    chat.say("nächste Woche Dienstag vormittags")
    offers = chat.say(place)
    chat.say(offers[-1]["buttons"][0]["payload"])
    chat.say("Anna Schulz")
    readback = chat.say(phone)
    assert chat.last_utterances() == ["utter_ask_booking_confirmed"]
    return readback


def test_a_place_corrected_at_the_read_back_is_booked_at_the_new_place(stack):
    chat = Conversation(stack)
    _to_read_back(chat, "in Harburg", "0171 5550130")
    before = store_cli(stack, "list")

    offers = chat.say("nein, nicht Harburg, Bergedorf")
    assert "utter_offer_slots" in chat.last_utterances(), "new offers instead of a declined booking"
    assert store_cli(stack, "list") == before
    buttons = offers[-1]["buttons"]
    assert buttons and all("Bergedorf" in b["title"] for b in buttons)

    readback = chat.say(buttons[0]["payload"])
    assert chat.last_utterances() == ["utter_ask_booking_confirmed"], "name and phone are kept"
    assert "Bergedorf" in readback[0]["text"] and "Anna Schulz" in readback[0]["text"]

    booked = chat.say("Ja")
    stored = _by_code(stack, CODE.search(booked[0]["text"]).group(0))
    assert stored["location_key"] == "bergedorf"
    assert stored["contact_name"] == "Anna Schulz"
    assert datetime.fromisoformat(stored["start"]).date().isoformat() == "2026-12-01"


def test_a_surname_corrected_at_the_read_back_is_stored(stack):
    chat = Conversation(stack)
    _to_read_back(chat, "in Altona", "0171 5550131")

    readback = chat.say("der Name ist falsch, Meier")
    assert chat.last_utterances() == ["utter_ask_booking_confirmed"]
    assert "Anna Meier" in readback[0]["text"]

    booked = chat.say("Ja")
    stored = _by_code(stack, CODE.search(booked[0]["text"]).group(0))
    assert stored["contact_name"] == "Anna Meier"
    assert stored["location_key"] == "altona"


def test_going_back_asks_the_previous_question_again(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Reisepass")
    chat.say("übernächste Woche")
    assert chat.last_utterances() == ["utter_ask_location"]  # date first, the place is a filter

    chat.say("zurück")
    assert chat.last_utterances() == ["utter_go_back", "utter_ask_when"]

    chat.say("nächste Woche")
    assert chat.last_utterances() == ["utter_ask_location"]
    offers = chat.say("in Wandsbek")
    assert all("Wandsbek" in b["title"] for b in offers[-1]["buttons"])


def test_unclear_answers_get_a_rephrase_then_choices_and_a_number_picks_one(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    chat.say("nächste Woche")
    chat.say("in Atlantis")
    assert chat.last_utterances() == ["utter_location_unknown"]

    choices = chat.say("in Entenhausen")
    assert chat.last_utterances()[-1] == "utter_choices_intro"
    buttons = choices[-1]["buttons"]
    assert buttons[0]["title"].startswith("Egal") and len(buttons) >= 3

    offers = chat.say("2")
    assert chat.last_utterances() == ["utter_offer_slots"]
    chosen_place = buttons[1]["title"]
    assert all(b["title"].endswith(chosen_place) for b in offers[-1]["buttons"])


def test_the_third_unclear_answer_hands_over_with_the_reason(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    chat.say("nächste Woche")
    chat.say("in Atlantis")
    chat.say("in Entenhausen")
    replies = chat.say("in Atlantis")
    said = chat.last_utterances()
    assert said[0] == "utter_not_understood_handover"
    assert "utter_handover" in said or "utter_hotline_closed" in said
    assert any(reply.get("handover") for reply in replies), "the chat page is told to hand over"
    tracker = chat.tracker()
    markers = [
        ((event.get("data") or {}).get("custom") or {}).get("handover")
        for event in tracker["events"] if event["event"] == "bot"
    ]
    assert [m for m in markers if m][-1]["reason"] == "not_understood"
    assert not (tracker.get("active_loop") or {}).get("name"), "the booking form has ended"
