"""SMS confirmation of bookings and cancellations, through an injected sender."""
from __future__ import annotations

import logging

from common.settings import Settings
from telephony.services import build_sms_sender
from telephony.sms import DisabledSmsSender, OutboxSmsSender, TwilioSmsSender, can_receive_sms
from tests.unit.telephony.conftest import CALLER, GREETING, ScriptedRasa, spoken

BOOKED = [
    {"text": "Ihr Termin ist gebucht. Dienstag, 1. Dezember, um 9:30 Uhr, Kundenzentrum Altona. "
             "Ihr Buchungscode lautet: K, 7, M ... 4, T, X."},
    {"custom": {"booking": {"code": "K7M-4TX", "day": "Dienstag, 1. Dezember", "time": "9:30",
                            "location_name": "Kundenzentrum Altona"}}},
]


def _book(make_world, booked=BOOKED, caller=CALLER, **kwargs):
    world = make_world(ScriptedRasa(GREETING, booked, booked), **kwargs)
    phone = world.phone(caller=caller)
    phone.call()
    return world, phone, phone.say("Ja")


def test_a_booking_is_confirmed_by_sms_to_the_callers_mobile(make_world):
    world, _, root = _book(make_world)
    [sms] = world.sms.sent
    assert sms.to == CALLER
    assert sms.body == (
        "Hamburg Service: Ihr Termin ist gebucht. Dienstag, 1. Dezember, 9:30 Uhr, Kundenzentrum Altona. "
        "Buchungscode: K7M-4TX. Absagen oder verschieben: Behördennummer 115."
    )
    # the booked turn says the code once and offers it again; the SMS is told in the next turn
    assert spoken(root).endswith("Soll ich den Code wiederholen?") and "SMS" not in spoken(root)


def test_the_number_given_in_the_booking_wins_over_the_caller_id(make_world):
    """The bot's message carries only the code; the number is found in the booking store."""
    from datetime import datetime

    from booking_adapter.memory import InMemoryBookingPort
    from booking_adapter.port import Contact, SlotQuery
    from common.clock import BERLIN, fixed_clock

    port = InMemoryBookingPort(fixed_clock(datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)))
    slot = port.find_slots(SlotQuery(service_keys=("personalausweis",), limit=1))[0]
    appointment = port.confirm(port.hold(slot, "CA-other").hold_id, Contact("Anna Schulz", "+4915123456789"), "phone")
    booked = [BOOKED[0], {"custom": {"booking": {"code": appointment.code}}}]
    world, _, _ = _book(make_world, booked=booked, caller="+494012345678", booking=port)
    [sms] = world.sms.sent
    assert sms.to == "+4915123456789"
    assert f"Buchungscode: {appointment.code}" in sms.body


def test_without_the_code_in_the_store_the_sms_goes_to_the_callers_mobile(make_world):
    world, _, _ = _book(make_world, caller="+491701234567")
    assert [sms.to for sms in world.sms.sent] == ["+491701234567"]


def test_the_same_booking_is_confirmed_only_once(make_world):
    world, phone, _ = _book(make_world)
    phone.say("Wie bitte?")
    assert len(world.sms.sent) == 1


def test_a_landline_gets_no_sms_and_no_promise_of_one(make_world):
    world, phone, root = _book(make_world, caller="+494012345678")
    assert world.sms.sent == []
    assert "SMS" not in spoken(root) and "SMS" not in spoken(phone.say("nein danke"))


def test_with_sms_off_nothing_is_sent_and_the_reason_is_logged(make_world, caplog):
    with caplog.at_level(logging.INFO, logger="telephony"):
        world, _, root = _book(make_world, sms_enabled=False)
    assert world.sms.sent == []
    assert "SMS" not in spoken(root)
    assert any("confirmation not sent: SMS is off" in record.getMessage() for record in caplog.records)


def test_a_cancellation_is_confirmed_by_sms(make_world):
    cancelled = [{"text": "Ihr Termin ist abgesagt."}, {"custom": {"cancellation": {"code": "K7M-4TX"}}}]
    world, _, _ = _book(make_world, booked=cancelled)
    [sms] = world.sms.sent
    assert sms.body == "Hamburg Service: Ihr Termin mit dem Buchungscode K7M-4TX ist abgesagt."


def test_a_failing_sms_does_not_disturb_the_call(make_world):
    world = make_world(ScriptedRasa(GREETING, BOOKED))

    class Failing:
        enabled = True

        def send(self, to, body):
            raise ConnectionError("twilio unreachable")

    world.app.extensions["telephony"].sms = Failing()
    phone = world.phone()
    phone.call()
    root = phone.say("Ja")
    assert "Ihr Termin ist gebucht" in spoken(root)


def test_the_twilio_sender_is_built_only_with_sid_token_and_sender():
    assert isinstance(build_sms_sender(Settings.from_env({"TWILIO_AUTH_TOKEN": "t"})), DisabledSmsSender)
    sender = build_sms_sender(Settings.from_env({
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_FROM": "+4940999999",
    }))
    assert isinstance(sender, TwilioSmsSender) and sender.sender == "+4940999999"


def test_the_twilio_sender_uses_a_messaging_service_when_given_one():
    class Messages:
        def __init__(self):
            self.created = []

        def create(self, **kwargs):
            self.created.append(kwargs)

    class Client:
        messages = Messages()

    TwilioSmsSender(Client, "MG" + "0" * 32).send("+491701234567", "Hallo")
    TwilioSmsSender(Client, "+4940999999").send("+491701234567", "Hallo")
    assert Client.messages.created == [
        {"to": "+491701234567", "body": "Hallo", "messaging_service_sid": "MG" + "0" * 32},
        {"to": "+491701234567", "body": "Hallo", "from_": "+4940999999"},
    ]


def test_only_mobile_numbers_can_receive_sms():
    assert can_receive_sms("+491701234567")
    assert can_receive_sms("0151 23456789")
    assert not can_receive_sms("+494012345678")
    assert not can_receive_sms("anonymous")
    assert not can_receive_sms("")


def test_without_twilio_an_outbox_file_can_stand_in_for_sending(tmp_path):
    outbox = tmp_path / "sms.jsonl"
    sender = build_sms_sender(Settings.from_env({"TELEPHONY_SMS_OUTBOX": str(outbox)}))
    assert isinstance(sender, OutboxSmsSender)
    sender.send("+491701234567", "Hamburg Service: Buchungscode K7M-4TX.")
    sender.send("+491709999999", "Zweite Nachricht")
    assert [sms.to for sms in sender.read()] == ["+491701234567", "+491709999999"]
    assert sender.read()[0].body == "Hamburg Service: Buchungscode K7M-4TX."


def test_twilio_wins_over_the_outbox_when_it_is_configured(tmp_path):
    sender = build_sms_sender(Settings.from_env({
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_FROM": "+4940999999",
        "TELEPHONY_SMS_OUTBOX": str(tmp_path / "sms.jsonl"),
    }))
    assert isinstance(sender, TwilioSmsSender)
