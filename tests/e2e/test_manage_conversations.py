"""Cancel, check, move and hand-over through the real processes, asserting the store."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import Conversation, store_cli

CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{3}\b")


def _book(stack, phone, place="in Wandsbek", when="übermorgen nachmittags") -> str:
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Reisepass")
    chat.say(place)
    offers = chat.say(when)
    chat.say(offers[-1]["buttons"][0]["payload"])
    chat.say("Max Mustermann")
    chat.say(phone)
    booked = chat.say("Ja")
    return CODE.search(booked[0]["text"]).group(0)


def _recode(stack, code: str, new_code: str) -> None:
    """Give a booked appointment a chosen code (codes are random; some read like words)."""
    engine = create_engine(stack.env["BOOKING_DATABASE_URL"])
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE booking_appointments SET code = :new WHERE code = :old"),
                               {"new": new_code, "old": code})
    finally:
        engine.dispose()


def _by_code(stack, code):
    return next(a for a in store_cli(stack, "list") if a["code"] == code)


def test_cancelling_needs_code_phone_and_a_yes_and_frees_the_appointment(stack):
    phone = "0171 5550120"
    code = _book(stack, phone)
    chat = Conversation(stack)
    chat.say("Ich möchte meinen Termin absagen")
    assert chat.last_utterances() == ["utter_ask_manage_code"]
    chat.say(code.lower().replace("-", ""))
    assert chat.last_utterances() == ["utter_ask_manage_phone"]
    chat.say(phone)
    assert chat.last_utterances() == ["utter_ask_manage_confirmed_cancel"]
    assert _by_code(stack, code)["status"] == "confirmed"
    chat.say("Ja")
    assert chat.last_utterances() == ["utter_cancelled"]
    assert _by_code(stack, code)["status"] == "cancelled"


def test_checking_tells_the_appointment_only_to_the_right_phone(stack):
    phone = "0171 5550121"
    code = _book(stack, phone)
    chat = Conversation(stack)
    chat.say("Wann ist mein Termin?")
    chat.say(code)
    chat.say("040 9999999")
    assert chat.last_utterances() == ["utter_verification_failed", "utter_ask_manage_code"]
    chat.say(code)
    details = chat.say(phone)
    assert chat.last_utterances() == ["utter_appointment_details"]
    stored = datetime.fromisoformat(_by_code(stack, code)["start"])
    assert f"{stored.hour}:{stored.minute:02d}" in details[0]["text"]


def test_three_failed_verifications_end_with_a_person(stack):
    phone = "0171 5550122"
    code = _book(stack, phone)
    chat = Conversation(stack)
    chat.say("Ich möchte meinen Termin stornieren")
    for wrong in ("040 1111111", "040 2222222"):
        chat.say(code)
        chat.say(wrong)
    chat.say(code)
    replies = chat.say("040 3333333")
    assert chat.last_utterances() == ["utter_verification_locked", "utter_handover"]
    assert any(reply.get("handover") for reply in replies)
    assert _by_code(stack, code)["status"] == "confirmed"


def test_moving_keeps_the_old_slot_until_the_new_one_is_confirmed(stack):
    phone = "0171 5550123"
    code = _book(stack, phone)
    old_start = _by_code(stack, code)["start"]
    chat = Conversation(stack)
    chat.say("Ich muss meinen Termin verschieben")
    chat.say(code)
    chat.say(phone)
    assert chat.last_utterances() == ["utter_ask_manage_confirmed_reschedule"]
    chat.say("Ja")
    assert chat.last_utterances() == ["utter_ask_when"]
    offers = chat.say("nächste Woche Dienstag vormittags")
    chat.say(offers[-1]["buttons"][0]["payload"])
    assert chat.last_utterances() == ["utter_ask_reschedule_confirmed"]
    assert _by_code(stack, code)["start"] == old_start, "the old slot stays until the yes"
    moved = chat.say("Ja")
    assert chat.last_utterances() == ["utter_rescheduled"]
    new_code = CODE.search(moved[0]["text"]).group(0)
    new = _by_code(stack, new_code)
    assert new["status"] == "confirmed"
    assert datetime.fromisoformat(new["start"]).date().isoformat() == "2026-12-01"
    if new_code != code:
        assert _by_code(stack, code)["status"] != "confirmed"


def test_asking_for_a_person_hands_over_during_booking(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    replies = chat.say("Ich möchte mit einem Menschen sprechen")
    assert chat.last_utterances() == ["utter_handover"]
    assert any(reply.get("handover") for reply in replies)


def test_a_registration_after_a_move_is_booked_before_the_legal_deadline(stack):
    chat = Conversation(stack)
    chat.say("Ich bin umgezogen und muss mich ummelden")
    assert chat.last_utterances() == ["utter_online_first", "utter_ask_move_in_date"]  # online first, once
    chat.say("am 20.11.")
    assert chat.last_utterances() == ["utter_move_deadline", "utter_ask_when"]
    offers = chat.say("so bald wie möglich")  # all of Hamburg: no place question
    assert chat.last_utterances() == ["utter_offer_slots"]
    chat.say(offers[-1]["buttons"][0]["payload"])
    chat.say("Erika Musterfrau")
    chat.say("040 7654321")
    booked = chat.say("Ja")
    code = CODE.search(booked[0]["text"]).group(0)
    stored = _by_code(stack, code)
    assert stored["service_keys"] == ["wohnsitz_anmelden"]
    assert stored["start"][:10] <= "2026-12-04"


def test_starting_over_forgets_the_booking_so_far(stack):
    chat = Conversation(stack)
    chat.say("Ich brauche einen Termin für einen Personalausweis")
    chat.say("in Altona")
    chat.say("von vorne")
    assert chat.last_utterances() == ["utter_start_over"]
    assert chat.say("Ich brauche einen Termin") and chat.last_utterances() == ["utter_ask_service"]


@pytest.mark.parametrize("code, typed, phone", [
    ("NEM-JY9", "NEM-JY9", "0171 5550131"),  # the NLU reads these as "nein" (intent deny)
    ("NXM-JNE", "nxmjne", "0171 5550132"),
])
def test_a_code_the_language_model_takes_for_no_is_still_accepted(stack, code, typed, phone):
    _recode(stack, _book(stack, phone), code)
    chat = Conversation(stack)
    chat.say("Wann ist mein Termin?")
    chat.say(typed)
    assert chat.last_utterances() == ["utter_ask_manage_phone"]
    chat.say(phone)
    assert chat.last_utterances() == ["utter_appointment_details"]
