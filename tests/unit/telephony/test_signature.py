"""Every /voice request must carry Twilio's signature over the public URL; others get 403."""
from __future__ import annotations

import logging

import pytest
from twilio.request_validator import RequestValidator

from tests.unit.telephony.conftest import AUTH_TOKEN, CALLER, GREETING, PUBLIC_BASE, ScriptedRasa


def test_a_correctly_signed_incoming_call_is_answered(make_world):
    world = make_world(ScriptedRasa(GREETING))
    response = world.phone().post("/voice/incoming")
    assert response.status_code == 200
    assert world.rasa.messages == ["/greet"]


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/gather", "/voice/status", "/voice/dial-status",
                                  "/voice/whisper", "/voice/fallback"])
def test_a_forged_signature_is_refused_on_every_voice_webhook(make_world, path):
    world = make_world()
    forged = RequestValidator("not-the-real-token").compute_signature(PUBLIC_BASE + path, world.phone().params())
    response = world.phone().post(path, signature=forged)
    assert response.status_code == 403
    assert world.rasa.calls == []


def test_a_request_without_signature_is_refused(make_world):
    world = make_world()
    response = world.phone().client.post("/voice/incoming", data=world.phone().params())
    assert response.status_code == 403
    assert world.rasa.calls == []


def test_a_signature_over_other_form_fields_is_refused(make_world):
    world = make_world()
    phone = world.phone()
    signature = phone.validator.compute_signature(PUBLIC_BASE + "/voice/gather", phone.params(Digits="1"))
    response = phone.post("/voice/gather", signature=signature, Digits="0")  # tampered: 1 -> 0
    assert response.status_code == 403
    assert world.rasa.calls == []


def test_a_signature_over_the_internal_url_is_refused_behind_a_proxy(make_world):
    world = make_world()
    phone = world.phone()
    internal = phone.validator.compute_signature("http://localhost/voice/incoming", phone.params())
    assert phone.post("/voice/incoming", signature=internal).status_code == 403


def test_the_query_string_belongs_to_the_signed_url(make_world):
    world = make_world()
    phone = world.phone()
    url = PUBLIC_BASE + "/voice/dial-status?ref=H-1042&reason=handover"
    form = phone.params(DialCallStatus="completed")
    signature = phone.validator.compute_signature(url, form)
    good = phone.client.post("/voice/dial-status?ref=H-1042&reason=handover", data=form,
                             headers={"X-Twilio-Signature": signature})
    bad = phone.client.post("/voice/dial-status?ref=H-9999&reason=handover", data=form,
                            headers={"X-Twilio-Signature": signature})
    assert good.status_code == 200
    assert bad.status_code == 403


def test_sha256_signatures_announced_by_the_settings_header_are_accepted(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    form = phone.params()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE + "/voice/incoming", form, "HMAC_SHA256")
    response = phone.client.post("/voice/incoming", data=form, headers={
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256",
    })
    assert response.status_code == 200


def test_without_an_auth_token_every_voice_request_is_refused(make_world):
    world = make_world(TWILIO_AUTH_TOKEN="")
    response = world.phone(token="anything").post("/voice/incoming")
    assert response.status_code == 403
    assert world.rasa.calls == []


def test_without_a_public_base_url_the_signature_covers_the_url_flask_sees(make_world):
    world = make_world(ScriptedRasa(GREETING), TWILIO_PUBLIC_BASE_URL="")
    phone = world.phone()
    form = phone.params()
    signature = phone.validator.compute_signature("http://localhost/voice/incoming", form)
    response = phone.client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_a_refusal_is_logged_without_the_phone_number_or_the_speech(make_world, caplog):
    world = make_world()
    with caplog.at_level(logging.INFO):
        response = world.phone().post("/voice/gather", signature="forged", SpeechResult="Anna Schulz 0171 2345678")
    assert response.status_code == 403
    refusals = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert refusals == ["telephony: refused POST /voice/gather: invalid signature"]
    everything = " ".join(record.getMessage() for record in caplog.records)
    assert CALLER not in everything and "1701234567" not in everything
    assert "Anna" not in everything


def test_a_whole_call_logs_no_phone_number(make_world, caplog):
    world = make_world(ScriptedRasa(GREETING, [{"text": "Unter welcher Nummer?"}]))
    phone = world.phone()
    with caplog.at_level(logging.DEBUG, logger="telephony"):
        phone.call()
        phone.say("null eins sieben null eins zwei drei vier fünf sechs sieben")
        phone.silence()
        phone.post("/voice/status", CallStatus="completed", CallDuration="42")
    everything = " ".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the call should leave a trace in the log"
    assert "1701234567" not in everything and "+49" not in everything
