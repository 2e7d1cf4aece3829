"""What happens on each Twilio webhook of a call; Flask-free, returns TwiML.

The conversation is keyed by the CallSid (the bot's sender id); the caller's number travels
only as metadata. The gateway itself handles what the bot cannot see on the phone:
silence (two reprompts, the second simpler, then a menu, then a person), the keypad
(0 = person, * = repeat, digits = offered options, keyed-in dates and codes), read-back of
unsure recognitions, transfers with a callback when nobody answers, and SMS confirmations.
A failing, silent or slow bot never drops the call: the caller hears a short apology and is
transferred.
"""
from __future__ import annotations

import functools
import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import Any, Mapping, Optional

from booking_adapter.port import BookingPort
from german.formatting import spoken_code
from telephony import speech
from telephony.keypad import interpret_entry
from telephony.services import TelephonyServices
from telephony.sms import can_receive_sms, compose, e164
from telephony.state import (
    ANYTHING_ELSE,
    CALLBACK_OFFER,
    CODE_OFFER,
    MENU,
    STATE_TTL,
    TALK,
    TRANSFER,
    CallbackRequest,
    CallState,
)
from telephony.turn import BotTurn, parse_turn
from telephony.twiml import spoken_reference

log = logging.getLogger(__name__)

CHANNEL = "voice"
REQUEST_HUMAN = "/request_human"
REPEAT = "/repeat"
RESTART = "/restart"
FINAL_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
CONNECTED_DIAL_STATUSES = {"completed", "answered"}


class BotFailure(Exception):
    """The bot could not take the turn (down, error, too slow, or silent)."""


class CallFlow:
    def __init__(self, services: TelephonyServices, rasa: Any, booking: Optional[BookingPort] = None):
        self.services = services
        self.rasa = rasa
        self.booking = booking
        self.messages = services.messages
        self.vocabulary = services.vocabulary
        self.twiml = services.twiml
        self.bot_seconds = 0.0  # time spent waiting for the bot in this request (Server-Timing)

    # --- webhooks ------------------------------------------------------------------------

    def incoming(self, form: Mapping[str, str]) -> str:
        """A new call: the bot speaks first."""
        state = CallState(call_sid=form.get("CallSid", ""))
        self._housekeeping()
        log.info("call %s: incoming", state.call_sid)
        return self._talk(state, form, self.services.start_message, input_mode="start")

    def gather(self, form: Mapping[str, str]) -> str:
        """One gathered turn: speech, keys or nothing at all."""
        call_sid = form.get("CallSid", "")
        state = self.services.store.load(call_sid)
        if state is None:  # e.g. state purged or lost: carry on with a fresh one
            log.warning("call %s: no stored state for a gathered turn", call_sid)
            state = CallState(call_sid=call_sid)
        digits = (form.get("Digits") or "").strip()
        said = (form.get("SpeechResult") or "").strip()
        confidence = _confidence(form.get("Confidence"))

        if state.phase == CALLBACK_OFFER:
            return self._callback_choice(state, form, digits, said, confidence)
        if digits == "0":  # a person, always
            return self._talk(state, form, REQUEST_HUMAN, "keypad")
        if state.phase in (CODE_OFFER, ANYTHING_ELSE):
            answer = self._after_booking(state, form, digits, said)
            if answer is not None:
                return answer
            state.phase = TALK  # the caller asks for something new: the bot takes it
        if state.phase == MENU:
            answer = self._menu_choice(state, form, digits, said)
            if answer is not None:
                return answer
            state.phase = TALK  # the caller talks to the bot again
        if state.pending is not None:
            return self._confirmation(state, form, digits, said, confidence)
        if not digits and not said:
            return self._trouble(state, form)
        if digits:
            return self._keypad(state, form, digits)
        return self._speech(state, form, said, confidence)

    def dial_status(self, form: Mapping[str, str], args: Mapping[str, str]) -> str:
        """The <Dial> to the hotline ended: done if an agent talked, else offer a callback."""
        call_sid = form.get("CallSid", "")
        status = form.get("DialCallStatus", "")
        log.info("call %s: transfer ended with %s (reason %s)", call_sid, status or "?", args.get("reason", "?"))
        if status in CONNECTED_DIAL_STATUSES:
            return self.twiml.hangup()
        state = self.services.store.load(call_sid) or CallState(call_sid=call_sid)
        state.reference = state.reference or args.get("ref") or call_sid
        return self._offer_callback(state, [])

    def status(self, form: Mapping[str, str]) -> None:
        """Twilio's call status callback: forget a finished call's state."""
        call_sid, status = form.get("CallSid", ""), form.get("CallStatus", "")
        if status in FINAL_CALL_STATUSES:
            self.services.store.delete(call_sid)
            log.info("call %s: ended (%s, %s s)", call_sid, status, form.get("CallDuration", "?"))

    def whisper(self, args: Mapping[str, str], form: Mapping[str, str]) -> str:
        """What the agent hears before the caller is put through: the hand-over reference."""
        reference = args.get("ref") or form.get("ParentCallSid") or form.get("CallSid", "")
        return self.twiml.speak([self.messages.format("agent_whisper", reference=spoken_reference(reference))])

    def fallback(self, form: Mapping[str, str]) -> str:
        """Twilio's fallback URL (our primary webhook failed): apologise and transfer, no bot."""
        call_sid = form.get("CallSid", "")
        log.error("call %s: Twilio used the fallback URL (error %s)", call_sid, form.get("ErrorCode", "?"))
        return self.emergency_transfer(call_sid)

    def emergency_transfer(self, call_sid: str) -> str:
        """Apology and transfer without touching the bot or the store (used after errors)."""
        if self.twiml.config.hotline:
            return self.twiml.transfer(
                [self.messages.get("technical_problem")], call_sid, call_sid, "technical"
            )
        return self.twiml.hangup([self.messages.get("fatal")])

    # --- for the ConversationRelay mode (telephony/relay.py): the same bot, SMS and transfer --

    def ask_bot(self, state: CallState, form: Mapping[str, str], text: str, input_mode: str) -> BotTurn:
        """One bot turn with the Gather mode's metadata, timeout and failure rules (BotFailure)."""
        return self._ask_bot(state, form, text, input_mode, None, False)

    def confirm_by_sms(self, state: CallState, form: Mapping[str, str], turn: BotTurn) -> list[str]:
        return self._confirm_by_sms(state, form, turn)

    def read_buttons(self, turn: BotTurn) -> list[str]:
        return self._read_buttons(turn)

    def hand_over(self, call_sid: str, spoken: list[str], reason: str, reference: Optional[str] = None) -> str:
        """The Gather mode's transfer (or callback offer) for a call whose relay session ended."""
        state = self.services.store.load(call_sid) or CallState(call_sid=call_sid)
        return self._transfer(state, spoken, reason, reference)

    # --- talking to the bot ------------------------------------------------------------------

    def _talk(
        self,
        state: CallState,
        form: Mapping[str, str],
        text: str,
        input_mode: str,
        confidence: Optional[float] = None,
        confirmed: bool = False,
    ) -> str:
        wants_person = text == REQUEST_HUMAN
        try:
            turn = self._ask_bot(state, form, text, input_mode, confidence, confirmed)
        except BotFailure as failure:
            log.warning("call %s: bot failed (%s); transferring", state.call_sid, failure)
            return self._transfer(state, [self.messages.get("technical_problem")], "technical")

        state.turns += 1
        announcements = self._confirm_by_sms(state, form, turn)
        if turn.handover is not None:
            reference = str(turn.handover.get("id") or state.call_sid)
            words = turn.texts or [self.messages.get("no_input_transfer")]
            return self._transfer(state, words, str(turn.handover.get("reason") or "handover"), reference)
        if wants_person:  # 0 always reaches a person, whatever the bot made of it
            return self._transfer(state, [self.messages.get("no_input_transfer")], "keypad_zero")
        if turn.booking and turn.booking.get("code") and not turn.hangup:
            return self._offer_code_repeat(state, turn, announcements)
        spoken = [*turn.texts, *self._read_buttons(turn), *announcements]
        if turn.hangup:
            self.services.store.save(state)
            return self.twiml.hangup(spoken)

        state.phase, state.trouble, state.pending = TALK, 0, None
        state.options = turn.options
        state.expect = turn.expect
        state.last_turn = spoken
        state.question = [*turn.texts[-1:], *self._read_buttons(turn)] or spoken[-1:]
        self.services.store.save(state)
        return self._listen(state, spoken)

    def _ask_bot(
        self,
        state: CallState,
        form: Mapping[str, str],
        text: str,
        input_mode: str,
        confidence: Optional[float],
        confirmed: bool,
    ) -> BotTurn:
        metadata: dict[str, Any] = {"channel": CHANNEL, "input_mode": input_mode, "speech_confidence": confidence}
        caller = self._caller(form)
        if caller:
            metadata["caller_number"] = caller
        if confirmed:
            metadata["confirmed_by_caller"] = True
        started = time.perf_counter()
        future = self.services.executor.submit(self.rasa.send, CHANNEL, state.call_sid, text, metadata)
        try:
            messages = future.result(timeout=self.services.rasa_timeout)
        except FutureTimeout:
            future.cancel()
            raise BotFailure(f"no answer within {self.services.rasa_timeout:g} s") from None
        except Exception as error:  # RasaUnavailable and anything unexpected alike
            raise BotFailure(type(error).__name__) from error
        finally:
            self.bot_seconds += time.perf_counter() - started
        turn = parse_turn(messages or [], self.vocabulary)
        if turn.empty:
            raise BotFailure("empty bot turn")
        return turn

    def _read_buttons(self, turn: BotTurn) -> list[str]:
        return [
            self.messages.format("button_choice", title=_plain_title(button["title"]), number=number)
            for number, button in enumerate(turn.buttons[:9], start=1)
        ]

    # --- after a booking: the code once more if wanted, then "anything else?" ----------------

    def _offer_code_repeat(self, state: CallState, turn: BotTurn, announcements: list[str]) -> str:
        """The booked turn says the code once; the caller may hear it again before anything
        else is said (the SMS and the documents follow in the next turn, so each stays short)."""
        booking = turn.booking or {}
        state.booked = {
            "code": str(booking["code"]),
            "documents": [str(item) for item in booking.get("documents") or []],
            "sms": bool(announcements),
        }
        offer = self.messages.get("code_repeat_offer")
        state.phase, state.trouble, state.pending, state.expect, state.options = CODE_OFFER, 0, None, None, []
        state.last_turn = [*turn.texts, offer]
        state.question = [offer]
        self.services.store.save(state)
        return self._listen(state, state.last_turn)

    def _after_booking(self, state: CallState, form: Mapping[str, str], digits: str, said: str) -> Optional[str]:
        """The two short questions after a booking; None when the caller wants something else."""
        if said and speech.mentions(said, self.vocabulary.goodbye_words):
            return self._goodbye(state)
        if state.phase == CODE_OFFER:
            if digits in ("1", "*") or (said and speech.mentions(said, self.vocabulary.menu_repeat_words)):
                wants_repeat: Optional[bool] = True
            elif digits == "2":
                wants_repeat = False
            else:
                wants_repeat = speech.yes_or_no(said, self.vocabulary) if said else False
            if wants_repeat is None and len(said.split()) <= 3:  # "danke", "passt schon"
                wants_repeat = False
            if wants_repeat is None:
                return None
            booked = state.booked or {}
            spoken = []
            if wants_repeat:
                spoken.append(self.messages.format("code_repeated", code=spoken_code(str(booked.get("code", "")))))
            if booked.get("sms"):
                spoken.append(self.messages.get("sms_announce"))
            elif booked.get("documents"):
                spoken.append(self.messages.format("documents_spoken", documents_first=", ".join(booked["documents"][:2])))
            return self._ask_anything_else(state, spoken)
        # ANYTHING_ELSE
        if digits == "*":
            return self._ask_anything_else(state, [])
        answer = speech.yes_or_no(said, self.vocabulary) if said else None
        if answer is False:
            return self._goodbye(state)
        if answer is True and len(said.split()) <= 2:  # a plain "ja": ask what it is
            state.phase, state.trouble = TALK, 0
            state.question = state.last_turn = [self.messages.get("no_question_yet")]
            self.services.store.save(state)
            return self._listen(state, state.last_turn)
        if not said and not digits:
            if state.trouble >= 1:  # asked twice, no answer: the caller is done
                return self._goodbye(state)
            state.trouble += 1
            self.services.store.save(state)
            return self._listen(state, state.question)
        return None

    def _ask_anything_else(self, state: CallState, spoken: list[str]) -> str:
        question = self.messages.get("anything_else")
        state.phase, state.trouble = ANYTHING_ELSE, 0
        state.last_turn, state.question = [*spoken, question], [question]
        self.services.store.save(state)
        return self._listen(state, state.last_turn)

    def _goodbye(self, state: CallState) -> str:
        state.phase = TALK
        self.services.store.save(state)
        log.info("call %s: the caller is done; hanging up", state.call_sid)
        return self.twiml.hangup([self.messages.get("goodbye")])

    # --- the caller's input ----------------------------------------------------------------

    def _speech(self, state: CallState, form: Mapping[str, str], said: str, confidence: Optional[float]) -> str:
        text = speech.normalise_code_speech(said, self.vocabulary)
        kind = speech.critical_kind(text, self.vocabulary, state.expect)
        threshold = self.services.min_confidence
        if kind and confidence is not None and confidence < threshold:
            state.pending = {"text": text, "kind": kind, "confidence": confidence}
            log.info("call %s: unsure recognition of a %s (%.2f); reading it back", state.call_sid, kind, confidence)
            self.services.store.save(state)
            return self._listen(state, [self._read_back(state)])
        return self._talk(state, form, text, "speech", confidence)

    def _keypad(self, state: CallState, form: Mapping[str, str], digits: str) -> str:
        if digits == "0":
            return self._talk(state, form, REQUEST_HUMAN, "keypad")
        if digits == "*":
            return self._talk(state, form, REPEAT, "keypad")
        if state.expect:
            entry = interpret_entry(digits, state.expect, self.services.clock().date())
            if entry is not None:
                return self._talk(state, form, entry.text, "keypad")
            return self._trouble(state, form, lead=[
                self.messages.get("keypad_not_understood"), *self._keypad_help(state.expect),
            ])
        if digits.isdigit() and len(digits) == 1 and 1 <= int(digits) <= len(state.options):
            return self._talk(state, form, state.options[int(digits) - 1], "keypad")
        return self._trouble(state, form, lead=[self.messages.get("key_not_assigned")])

    def _confirmation(
        self, state: CallState, form: Mapping[str, str], digits: str, said: str, confidence: Optional[float]
    ) -> str:
        pending = state.pending or {}
        answer = {"1": True, "2": False}.get(digits) if digits else speech.yes_or_no(said, self.vocabulary)
        if answer is True:
            state.pending = None
            return self._talk(state, form, pending["text"], "speech", pending.get("confidence"), confirmed=True)
        if answer is False:
            state.pending, state.expect = None, pending.get("kind")
            if state.trouble >= 2:  # corrected again and again: on to the menu
                return self._trouble(state, form)
            state.trouble += 1
            self.services.store.save(state)
            return self._listen(state, [self.messages.get("say_again"), *self._keypad_help(state.expect)])
        if said:  # neither yes nor no: the caller said something new
            state.pending = None
            return self._speech(state, form, said, confidence)
        if digits == "*":
            self.services.store.save(state)
            return self._listen(state, [self._read_back(state)])
        return self._trouble(state, form, lead=[self.messages.get("key_not_assigned")] if digits else [])

    def _menu_choice(self, state: CallState, form: Mapping[str, str], digits: str, said: str) -> Optional[str]:
        """The help menu; None when the caller said something else (then the bot gets it)."""
        choice = "1" if digits == "*" else digits
        if not digits and said:
            if speech.mentions(said, self.vocabulary.menu_human_words):
                choice = "0"
            elif speech.mentions(said, self.vocabulary.menu_restart_words):
                choice = "2"
            elif speech.mentions(said, self.vocabulary.menu_repeat_words):
                choice = "1"
            else:
                return None
        if choice == "1":
            state.phase = TALK  # `trouble` stays: more silence soon leads to a person
            self.services.store.save(state)
            return self._listen(state, state.last_turn or [self.messages.get("no_question_yet")])
        if choice == "2":
            return self._talk(state, form, RESTART, "keypad" if digits else "speech")
        if choice == "0":
            return self._talk(state, form, REQUEST_HUMAN, "keypad" if digits else "speech")
        return self._trouble(state, form, lead=[self.messages.get("key_not_assigned")] if digits else [])

    # --- silence and unusable input: reprompt, simpler reprompt, menu, person ----------------

    def _trouble(self, state: CallState, form: Mapping[str, str], lead: Optional[list[str]] = None) -> str:
        state.trouble += 1
        lead = list(lead or [])
        log.info("call %s: no usable input (%d in a row)", state.call_sid, state.trouble)
        if state.trouble >= 4:
            return self._transfer(state, [self.messages.get("no_input_transfer")], "no_input")
        if state.trouble == 3:
            state.phase, state.pending, state.trouble = MENU, None, 3
            self.services.store.save(state)
            return self._listen(state, [*lead, self.messages.get("menu")])
        if state.trouble == 1:
            spoken = [*lead, self.messages.get("reprompt_first"), *self._current_question(state)]
        else:
            spoken = [*lead, self.messages.get("reprompt_second"), *self._simple_question(state)]
            if state.options and state.pending is None:
                spoken.append(self.messages.format("reprompt_second_options", count=len(state.options)))
            spoken.append(self.messages.get("human_hint"))
        self.services.store.save(state)
        return self._listen(state, spoken)

    def _current_question(self, state: CallState) -> list[str]:
        """The open question without what led up to it ("Guten Tag. Hier ist …" is not said again)."""
        if state.pending is not None:
            return [self._read_back(state)]
        if not state.question:
            return [self.messages.get("no_question_yet")]
        return [speech.from_first_question(state.question[0]), *state.question[1:]]

    def _simple_question(self, state: CallState) -> list[str]:
        if state.pending is not None:
            return [self.messages.get("confirm_heard_simple")]
        question = state.question[0] if state.question else ""
        if state.options and len(state.question) > 1:  # buttons: keep the choices, they are the answer
            return state.question
        return [speech.first_question(question) or question or self.messages.get("no_question_yet")]

    def _read_back(self, state: CallState) -> str:
        heard = speech.speakable((state.pending or {}).get("text", ""))
        return self.messages.format("confirm_heard", heard=heard)

    def _keypad_help(self, kind: Optional[str]) -> list[str]:
        key = f"keypad_help_{kind}"
        return [self.messages.get(key)] if kind and key in self.messages.keys() else []  # noqa: SIM118 (Messages has keys(), no __contains__)

    def _listen(self, state: CallState, spoken: list[str]) -> str:
        hints = self.services.hints.hints(self.booking)
        entry = state.expect is not None and state.pending is None and state.phase == TALK
        return self.twiml.gather(spoken, hints, entry=entry)

    # --- transfer and callback ----------------------------------------------------------

    def _transfer(self, state: CallState, spoken: list[str], reason: str, reference: Optional[str] = None) -> str:
        state.reference = reference or state.reference or state.call_sid
        if not self.twiml.config.hotline:
            log.warning("call %s: transfer wanted (%s) but TWILIO_HOTLINE_NUMBER is not set", state.call_sid, reason)
            # nobody to connect to: no "I am connecting you", straight to the callback offer
            apology = [self.messages.get("technical_problem_no_transfer")] if reason == "technical" else []
            return self._offer_callback(state, apology)
        state.phase, state.trouble, state.pending = TRANSFER, 0, None
        self.services.store.save(state)
        log.info("call %s: transferring (%s)", state.call_sid, reason)
        return self.twiml.transfer(spoken, state.reference, state.call_sid, reason)

    def _offer_callback(self, state: CallState, spoken: list[str]) -> str:
        state.phase, state.trouble, state.pending, state.expect = CALLBACK_OFFER, 0, None, None
        self.services.store.save(state)
        return self.twiml.gather([*spoken, self.messages.get("callback_offer")], self.services.hints.hints(self.booking))

    def _callback_choice(
        self, state: CallState, form: Mapping[str, str], digits: str, said: str, confidence: Optional[float]
    ) -> str:
        answer = {"1": True, "2": False}.get(digits) if digits else None
        if answer is None and said:
            if speech.mentions(said, self.vocabulary.back_to_assistant_words):
                answer = False
            else:
                answer = speech.yes_or_no(said, self.vocabulary)
        if answer is True:
            return self._register_callback(state, form)
        if answer is False or said:
            state.phase, state.trouble = TALK, 0
            state.question = state.last_turn = [self.messages.get("no_question_yet")]
            state.options = []
            if answer is False:
                self.services.store.save(state)
                return self._listen(state, [self.messages.get("back_to_assistant")])
            return self._speech(state, form, said, confidence)  # the caller went on talking
        state.trouble += 1
        if state.trouble >= 2:  # nobody answers twice: take the callback request, end politely
            return self._register_callback(state, form)
        self.services.store.save(state)
        return self.twiml.gather([self.messages.get("callback_offer_simple")], self.services.hints.hints(self.booking))

    def _register_callback(self, state: CallState, form: Mapping[str, str]) -> str:
        caller = self._caller(form)
        if not caller:
            log.info("call %s: callback wanted but the number is withheld", state.call_sid)
            return self.twiml.hangup([self.messages.get("callback_no_number")])
        self.services.store.add_callback(
            CallbackRequest(
                call_sid=state.call_sid,
                reference=state.reference or state.call_sid,
                caller_number=caller,
                requested_at=datetime.now(UTC),
            )
        )
        self._callback_for_agents(state, caller)
        log.info("call %s: callback request recorded", state.call_sid)
        return self.twiml.hangup([self.messages.get("callback_registered")])

    def _callback_for_agents(self, state: CallState, caller: str) -> None:
        """The agents' console lists callbacks from the hand-over store (docs/handover.md)."""
        port = self.services.handover
        if port is None:
            return
        from handover.domain import NewCallback

        reference = state.reference or state.call_sid
        try:
            port.record_callback(NewCallback(phone=caller, channel=CHANNEL, handover_reference=reference,
                                             conversation_id=state.call_sid))
            if reference.isdigit():  # the bot's hand-over record: nobody took the transfer
                port.set_handover_status(int(reference), "callback")
        except Exception:  # the caller has been told; the telephony table keeps the request
            log.exception("call %s: callback not written to the hand-over store", state.call_sid)

    # --- SMS ---------------------------------------------------------------------------

    def _confirm_by_sms(self, state: CallState, form: Mapping[str, str], turn: BotTurn) -> list[str]:
        """Send booking/cancellation confirmations once per code; returns what to tell the caller."""
        announcements: list[str] = []
        for kind, payload in (("booking", turn.booking), ("cancellation", turn.cancellation)):
            if not payload or not payload.get("code"):
                continue
            key = f"{kind}:{payload['code']}"
            if key in state.sms_sent:
                continue
            if not self.services.sms.enabled:
                log.info("call %s: %s confirmation not sent: SMS is off", state.call_sid, kind)
                continue
            number = str(self._booked_phone(payload) or self._caller(form) or "")
            if not can_receive_sms(number):
                log.info("call %s: %s confirmation not sent: no mobile number", state.call_sid, kind)
                continue
            state.sms_sent.append(key)
            body = compose(kind, payload, self.messages)
            self.services.background(functools.partial(self._deliver, state.call_sid, kind, e164(number), body))
            if kind == "booking":
                announcements.append(self.messages.get("sms_announce"))
        return announcements

    def _booked_phone(self, payload: Mapping[str, Any]) -> Optional[str]:
        """The number given at booking, found in the store by the code: bot messages carry no
        phone number (they are kept in Rasa's tracker)."""
        if self.booking is None or not payload.get("code"):
            return None
        try:
            return self.booking.appointment(str(payload["code"])).phone
        except Exception:  # unknown code, store down: the caller's own number is the fallback
            log.info("SMS: no number in the store for this code; the caller ID is used")
            return None

    def _deliver(self, call_sid: str, kind: str, to: str, body: str) -> None:
        try:
            self.services.sms.send(to, body)
            log.info("call %s: %s confirmation sent by SMS", call_sid, kind)
        except Exception as error:  # the call goes on; the failure is logged without the number
            log.warning("call %s: %s confirmation SMS failed: %s", call_sid, kind, type(error).__name__)

    # --- small things --------------------------------------------------------------------

    def _caller(self, form: Mapping[str, str]) -> Optional[str]:
        """The caller's number if Twilio passed a usable one (withheld numbers come as placeholders)."""
        number = (form.get("From") or "").strip()
        if not number or number.lower() in self.vocabulary.anonymous_callers:
            return None
        if number.startswith(("client:", "sip:")):
            return None
        return number

    def _housekeeping(self) -> None:
        try:
            self.services.store.purge(datetime.now(UTC) - STATE_TTL)
        except Exception:  # never let housekeeping cost a call
            log.exception("telephony: purging old call states failed")


def _confidence(raw: Optional[str]) -> Optional[float]:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _plain_title(title: str) -> str:
    return title.strip().strip("„“\"'»«").strip()
