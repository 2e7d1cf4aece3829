"""The move-in day from any turn: said before it was asked, it is taken; a wished day is not."""
from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.validation import ValidateBookingForm
from tests.unit.actions.conftest import make_tracker


def test_a_move_in_day_said_before_it_was_asked_is_taken_and_not_a_wish(booking):
    tracker = make_tracker({"service": "wohnsitz_anmelden", "when": "am 14. März"},
                           text="Hallo, wir ziehen am 14. März nach Lokstedt. Kann ich schon einen Termin machen?",
                           requested_slot="when")
    extracted = asyncio.run(ValidateBookingForm().extract_move_in_date(CollectingDispatcher(), tracker, {}))
    assert extracted["move_in_date"].endswith("-03-14")


def test_a_wished_day_for_the_registration_is_not_a_move_in_day(booking):
    tracker = make_tracker({"service": "wohnsitz_anmelden"}, text="ich möchte mich anmelden, am Mittwoch hätte ich Zeit",
                           requested_slot="when")
    assert asyncio.run(ValidateBookingForm().extract_move_in_date(CollectingDispatcher(), tracker, {})) == {}
