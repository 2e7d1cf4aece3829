"""Silence and unusable input: two reprompts (the second simpler), then a menu, then a person.
Never an endless loop, never a hang-up."""
from __future__ import annotations

from tests.unit.telephony.conftest import ASK_WHEN, GREETING, OFFERS, ScriptedRasa, dial_of, gather_of, spoken


def _asked_when(make_world, *more):
    world = make_world(ScriptedRasa(GREETING, ASK_WHEN, *more))
    phone = world.phone()
    phone.call()
    phone.say("Ich brauche einen Personalausweis in Altona")
    return world, phone


def test_first_silence_repeats_the_question_with_an_apology(make_world):
    world, phone = _asked_when(make_world)
    root = phone.silence()
    assert spoken(root) == (
        "Entschuldigung, ich habe Sie nicht verstanden. "
        "Wann passt es Ihnen? Sagen Sie zum Beispiel: nächsten Dienstag vormittags. Oder: so bald wie möglich."
    )
    assert gather_of(root).get("actionOnEmptyResult") == "true"
    assert len(world.rasa.calls) == 2, "silence is handled by the gateway, not sent to the bot"


def test_second_silence_gives_a_simpler_shorter_reprompt_and_names_the_zero_key(make_world):
    _world, phone = _asked_when(make_world)
    first = spoken(phone.silence())
    second = spoken(phone.silence())
    assert second == (
        "Bitte antworten Sie kurz. Wann passt es Ihnen? "
        "Mit der Taste 0 erreichen Sie einen Menschen."
    )
    assert len(second) < len(first)


def test_third_silence_offers_the_menu_and_the_fourth_transfers(make_world):
    world, phone = _asked_when(make_world)
    phone.silence()
    phone.silence()
    menu = phone.silence()
    assert "Mit der 1" in spoken(menu) and "Mit der 0" in spoken(menu)
    gather_of(menu)
    transfer = phone.silence()
    dial = dial_of(transfer)
    assert dial.find("Number").text == "+494042828000"
    assert "Ich verbinde Sie jetzt mit einem Menschen." in spoken(transfer)
    assert transfer.find("Hangup") is None
    assert len(world.rasa.calls) == 2


def test_silence_never_loops_forever(make_world):
    _world, phone = _asked_when(make_world)
    answers = [phone.silence() for _ in range(4)]
    dials = [root for root in answers if root.find("Dial") is not None]
    assert len(dials) == 1 and dials[0] is answers[-1]


def test_the_simpler_reprompt_names_the_keys_for_offered_options(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis in Altona")
    phone.silence()
    second = spoken(phone.silence())
    assert "Welchen Termin möchten Sie?" in second
    assert "Oder drücken Sie eine Taste von 1 bis 3." in second


def test_the_menu_key_one_repeats_the_whole_last_turn_without_asking_the_bot(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis in Altona")
    for _ in range(3):
        phone.silence()
    root = phone.press("1")
    assert "Termin 2: Dienstag, 1. Dezember, 10:00 Uhr" in spoken(root)
    assert len(world.rasa.calls) == 2
    # the repeat does not reset the count: more silence now reaches a person at once
    dial_of(phone.silence())


def test_the_menu_key_two_starts_over_with_the_bot(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut, wir fangen von vorne an. Wobei kann ich Ihnen helfen?"}])
    for _ in range(3):
        phone.silence()
    root = phone.press("2")
    assert world.rasa.messages[-1] == "/restart"
    assert "von vorne" in spoken(root)


def test_speaking_in_the_menu_goes_back_to_the_bot_and_resets_the_count(make_world):
    world, phone = _asked_when(make_world, [{"text": "Ich habe 3 freie Termine für Sie."}])
    for _ in range(3):
        phone.silence()
    phone.say("so bald wie möglich")
    assert world.rasa.messages[-1] == "so bald wie möglich"
    assert "Entschuldigung" in spoken(phone.silence())  # back to the first reprompt


def test_saying_mensch_in_the_menu_asks_for_a_person(make_world):
    world, phone = _asked_when(make_world)
    for _ in range(3):
        phone.silence()
    root = phone.say("Mensch bitte")
    assert world.rasa.messages[-1] == "/request_human"
    dial_of(root)


def test_a_wrong_key_counts_like_silence(make_world):
    _world, phone = _asked_when(make_world)
    phone.press("5")
    phone.press("5")
    menu = phone.press("5")
    assert "Mit der 1" in spoken(menu)
    dial_of(phone.press("5"))


def test_the_star_key_in_the_menu_repeats_like_key_one(make_world):
    _world, phone = _asked_when(make_world)
    for _ in range(3):
        phone.silence()
    root = phone.press("*")
    assert "Wann passt es Ihnen?" in spoken(root)
    assert root.find("Dial") is None
