"""Requests about an existing appointment: the possession and the verb a clerk listens for."""
from __future__ import annotations

import pytest

from german.requests import goal_for_an_existing_appointment, refers_to_an_existing_appointment


@pytest.mark.parametrize("text, goal", [
    ("ich hab nächsten montag früh einen termin in wandsbek für den ausweis können wir den auf donnerstag legen", "reschedule"),
    ("Moin, Termin JW9-TH6 (Meldebescheinigung Eimsbüttel, Di 14 Uhr) bitte einen Tag später", "reschedule"),
    ("meine mutter hat am donnerstag einen termin in finkenwerder, könnten wir den verschieben", "reschedule"),
    ("Hello, I have Termin on Wednesday in Harburg. I must change", "reschedule"),
    ("wir haben freitag einen termin für die anmeldung, das hat sich erledigt", "cancel"),
    ("ich habe einen termin für meinen pass und weiß nicht mehr wann", "check"),
    ("mein termin in altona geht der auch früher", "reschedule"),
])
def test_an_existing_appointment_and_what_to_do_with_it(text, goal):
    assert refers_to_an_existing_appointment(text)
    assert goal_for_an_existing_appointment(text) == goal


@pytest.mark.parametrize("text", [
    "ich brauche einen termin für einen personalausweis, gern früher am tag",
    "Termin für Reisepass in Altona nächste Woche",
    "ich hätte gern einen termin, ich kann nur nachmittags",
])
def test_a_new_booking_is_not_about_an_existing_appointment(text):
    assert not refers_to_an_existing_appointment(text) or goal_for_an_existing_appointment(text) is None


def test_an_existing_appointment_without_a_goal_names_none():
    text = "ich habe schon einen termin für meinen pass, jetzt brauche ich noch einen ausweis"
    assert refers_to_an_existing_appointment(text) and goal_for_an_existing_appointment(text) is None


@pytest.mark.parametrize("text", [
    "ja kurze frage welcher tag war mein termin in berge dorf für den express pass",
    "wir haben doch einen Termin für den Perso von meinem Mann in Wilhelmsburg, war das am 10. oder am 11.?",
])
def test_asking_when_an_appointment_is_a_check(text):
    assert refers_to_an_existing_appointment(text) and goal_for_an_existing_appointment(text) == "check"


def test_ordinary_words_are_no_booking_code():
    from german.requests import code_in

    assert code_in("kann man den zwei tage später machen") is None
    assert code_in("Moin, Termin JW9-TH6 bitte einen Tag später") == "JW9-TH6"
    assert code_in("mein code ist KMX-TRN") == "KMX-TRN"
