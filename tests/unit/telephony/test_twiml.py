"""The TwiML a caller gets: German everywhere, speech and keys, hints, the configured voice."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from telephony.twiml import TwimlBuilder, VoiceConfig
from tests.unit.telephony.conftest import (
    ASK_WHEN,
    GREETING,
    OFFERS,
    PUBLIC_BASE,
    ScriptedRasa,
    gather_of,
    spoken,
)


def test_the_first_turn_gathers_german_speech_and_keys_with_the_bot_speaking_first(make_world):
    world = make_world(ScriptedRasa(GREETING))
    root = world.phone().call()

    gather = gather_of(root)
    assert gather.get("input") == "speech dtmf"
    assert gather.get("language") == "de-DE"
    assert gather.get("actionOnEmptyResult") == "true"
    assert re.fullmatch(rf"{re.escape(PUBLIC_BASE)}/voice/gather\?turn=[A-Za-z0-9_-]{{12}}", gather.get("action"))
    assert gather.get("method") == "POST"
    assert gather.get("speechTimeout") == "3"
    assert gather.get("timeout") == "6"
    assert gather.get("numDigits") == "1"
    assert "Terminassistent von Hamburg Service" in spoken(root)
    assert world.rasa.messages == ["/greet"]


def test_every_say_is_german_in_the_configured_voice_with_a_slower_rate(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS), TWILIO_VOICE="Polly.Vicki-Neural", TWILIO_SPEECH_RATE="85%")
    phone = world.phone()
    phone.call()
    root = phone.say("Personalausweis in Altona")

    says = list(root.iter("Say"))
    assert len(says) == len(OFFERS)
    for say in says:
        assert say.get("language") == "de-DE"
        assert say.get("voice") == "Polly.Vicki-Neural"
        prosody = say.find("prosody")
        assert prosody is not None and prosody.get("rate") == "85%"


def test_speech_hints_carry_service_and_location_words_from_the_fallback_list(make_world):
    world = make_world(ScriptedRasa(GREETING))
    hints = gather_of(world.phone().call()).get("hints")
    words = [hint.strip() for hint in hints.split(",")]
    for expected in ("Personalausweis", "Reisepass", "Anmeldung", "Altona", "Bergedorf", "Volksdorf", "egal"):
        assert expected in words


def test_a_redirect_after_the_gather_means_silence_can_never_end_the_call(make_world):
    world = make_world(ScriptedRasa(GREETING))
    root = world.phone().call()
    children = [child.tag for child in root]
    assert children == ["Gather", "Redirect"]
    assert root.find("Redirect").text.startswith(f"{PUBLIC_BASE}/voice/gather?turn=")
    assert root.find("Redirect").text != gather_of(root).get("action")  # a silent turn is its own turn
    assert root.find("Hangup") is None


def test_pauses_in_a_spelled_booking_code_become_ssml_breaks():
    builder = TwimlBuilder(VoiceConfig(voice="Polly.Vicki-Neural", speech_rate="90%"))
    root = ET.fromstring(builder.gather(["Ihr Buchungscode lautet: K, 7, M ... 4, T, X."]))
    prosody = root.find("Gather/Say/prosody")
    assert [child.tag for child in prosody] == ["break"]
    assert prosody.find("break").get("time") == "600ms"
    assert "".join(prosody.itertext()) == "Ihr Buchungscode lautet: K, 7, M4, T, X."


def test_a_voice_without_ssml_support_gets_plain_text_and_no_prosody():
    builder = TwimlBuilder(VoiceConfig(voice="alice"))
    root = ET.fromstring(builder.gather(["Code: K, 7, M ... 4, T, X."]))
    say = root.find("Gather/Say")
    assert say.find("prosody") is None
    assert say.text == "Code: K, 7, M, 4, T, X."
    assert say.get("language") == "de-DE"


def test_a_long_message_is_split_at_sentence_ends_but_not_inside_a_date():
    builder = TwimlBuilder(VoiceConfig(voice="alice", max_say_chars=80))
    text = (
        "Ihr Termin ist gebucht. Dienstag, 1. Dezember, um 9:30 Uhr, Kundenzentrum Altona. "
        "Bitte bringen Sie mit: Ihren alten Ausweis, ein biometrisches Passfoto und die Gebühr."
    )
    root = ET.fromstring(builder.gather([text]))
    pieces = [say.text for say in root.iter("Say")]
    assert len(pieces) >= 2
    assert all(len(piece) <= 100 for piece in pieces)
    assert any("Dienstag, 1. Dezember, um 9:30 Uhr" in piece for piece in pieces)
    assert " ".join(pieces) == text


def test_without_a_public_base_url_the_twiml_uses_relative_urls():
    builder = TwimlBuilder(VoiceConfig(public_base_url=""))
    root = ET.fromstring(builder.gather(["Hallo."]))
    assert root.find("Gather").get("action").startswith("/voice/gather?turn=")


def test_an_entry_gather_accepts_several_keys_ended_by_the_hash_key():
    builder = TwimlBuilder(VoiceConfig(gather_timeout=6))
    gather = ET.fromstring(builder.gather(["Bitte tippen Sie das Datum."], entry=True)).find("Gather")
    assert gather.get("finishOnKey") == "#"
    assert gather.get("numDigits") is None
    assert int(gather.get("timeout")) > 6


def test_the_answer_after_the_when_question_is_gathered_again_in_german(make_world):
    world = make_world(ScriptedRasa(GREETING, ASK_WHEN))
    phone = world.phone()
    phone.call()
    root = phone.say("Ich brauche einen Personalausweis")
    assert gather_of(root).get("language") == "de-DE"
    assert "Wann passt es Ihnen?" in spoken(root)


def test_auto_speech_timeout_is_replaced_when_a_speech_model_is_set(make_world):
    world = make_world(ScriptedRasa(GREETING), TWILIO_SPEECH_MODEL="phone_call", TWILIO_SPEECH_TIMEOUT="auto")
    gather = gather_of(world.phone().call())
    assert gather.get("speechModel") == "phone_call"
    assert gather.get("speechTimeout") == "3"


def test_every_gather_answer_url_is_unique_so_replays_can_be_told_from_repeated_silence():
    builder = TwimlBuilder(VoiceConfig())
    actions = {gather_of(ET.fromstring(builder.gather(["Bitte sagen Sie etwas."]))).get("action")
               for _ in range(50)}
    assert len(actions) == 50


def test_every_gather_that_asks_lets_the_caller_barge_in(make_world):
    world = make_world(ScriptedRasa(GREETING, ASK_WHEN, OFFERS))
    phone = world.phone()
    for root in (phone.call(), phone.say("Personalausweis"), phone.say("morgen"), phone.silence(),
                 phone.press("9"), phone.silence()):
        gather = gather_of(root)
        assert gather is not None and gather.get("bargeIn") == "true"
    entry = TwimlBuilder(VoiceConfig()).gather(["Bitte das Datum."], entry=True)
    assert ET.fromstring(entry).find("Gather").get("bargeIn") == "true"


def test_an_answer_given_during_the_offer_list_is_taken_as_the_choice(make_world):
    """With barge-in Twilio stops the list and posts what the caller said at once; the answer
    reaches the bot as the choice, although the list was not read to its end."""
    world = make_world(ScriptedRasa(GREETING, ASK_WHEN, OFFERS, [{"text": "Auf welchen Namen?"}]))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis")
    offers = phone.say("morgen")
    assert gather_of(offers).get("bargeIn") == "true"
    root = phone.say("den ersten")
    assert world.rasa.messages[-1] == "den ersten"
    assert spoken(root) == "Auf welchen Namen?"
    assert phone.press("1") is not None


SHORT_OFFERS = [
    {"text": "Frei ist in Altona:"},
    {"text": "Dienstag, 1. Dezember, um 9 Uhr 30."},
    {"text": "Oder um 10 Uhr."},
    {"text": "Welcher passt Ihnen? Oder sagen Sie: weitere Termine.", "custom": {"voice": {"choices": 2}}},
]


def test_the_keys_choose_the_offers_the_bot_marked_as_choices(make_world):
    world = make_world(ScriptedRasa(GREETING, SHORT_OFFERS, [{"text": "Auf welchen Namen?"}]))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis morgen in Altona")
    assert spoken(phone.press("3")).startswith("Diese Taste ist gerade nicht belegt.")
    phone.press("2")
    assert world.rasa.messages[-1] == '/choose_option{"ordinal":"2"}'
