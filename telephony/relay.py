"""The ConversationRelay voice mode (VOICE_MODE=relay): Twilio does the speech, we do the words.

Decided here, Flask-free: the `<Connect><ConversationRelay>` answer to a new call, one
WebSocket session per call (what each message from Twilio means and what is sent back), and
what the `<Connect action>` webhook does when a session ends. Left to the Gather mode's
`CallFlow` (telephony/call.py): how the bot is asked (the `voice` channel, the caller's number
in the metadata, the timeout, what counts as a failure), SMS confirmations, and the transfer
with its callback offer — the relay mode calls them, it does not copy them.

- The greeting is the bot's answer to TWILIO_START_MESSAGE, asked at `/voice/incoming` and
  sent as `welcomeGreeting`: the caller hears it as soon as the call connects, and a bot that
  is down at that moment gets the Gather mode's TwiML transfer before any socket exists.
- `prompt` with `last: true` goes to the bot as speech; partial prompts are ignored.
- `interrupt`: the caller cut in; only `utteranceUntilInterrupt` is kept as heard (the call's
  transcript and `last_turn`), the unsaid rest of the bot's turn is dropped.
- `dtmf`: the Gather mode's keypad — 0 a person, * repeat, 1-9 the offered options, and after
  a question that expects an entry (`voice.expect`) the keys up to # read by telephony/keypad.py
  (there, 0 alone then # is the person: a keyed date starts with 0).
- Answers go out as `text` tokens, one sentence each, `last: true` on the turn's last one. A
  bot slower than RELAY_FILLER_SECONDS makes the caller hear "Einen Moment bitte." once first.
- The session ends with `end`. `handoffData` (a JSON string) says why: `{"reason", "reference"}`
  for a transfer, `{"reason": "goodbye"}` after the bot's goodbye. The last words (the apology,
  "Ich verbinde Sie …", the goodbye) are kept in the call's state and spoken by the
  `<Connect action>` webhook's TwiML before it dials or hangs up, so ending the session can
  never cut them off.
- A failing, silent or slow bot (`BotFailure`) or an error here: the technical-problem sentence
  and a transfer (reason "technical"). Never silence.
- A silent caller: ConversationRelay sends nothing for silence, so the session counts it itself
  — the estimated speaking time of what it last sent (german/speech_length.py) plus
  TWILIO_GATHER_TIMEOUT without a message from Twilio is one silence; then the Gather mode's
  ladder, shortened: the question again, then shorter with the keys and the 0, then a person.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Mapping, Optional

from twilio.twiml.voice_response import Connect, VoiceResponse

from common.web.sanitize import clean_text
from german.speech_length import estimate_seconds
from telephony import speech
from telephony.call import REPEAT, REQUEST_HUMAN, BotFailure, CallFlow
from telephony.keypad import interpret_entry
from telephony.state import STATE_TTL, TALK, CallState
from telephony.turn import BotTurn
from telephony.twiml import LANGUAGE

log = logging.getLogger(__name__)

SOCKET_PATH = "/voice/relay/socket"
ACTION_PATH = "/voice/relay/action"
GOODBYE = "goodbye"
TECHNICAL = "technical"
MAX_PROMPT_CHARS = 500
MAX_TRANSCRIPT = 40       # bot turns kept in the call's state (what the caller heard)
_CODE_PAUSE = " ... "     # the pause inside a spelled code (german.formatting.spoken_code)
CALL_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


@dataclass(frozen=True)
class RelayConfig:
    tts_provider: str = "Amazon"
    voice: str = "Vicki-Neural"
    transcription_provider: str = "Google"
    speech_model: str = "telephony"
    filler_seconds: float = 2.5
    silence_seconds: float = 6.0  # after the bot's words have been spoken (TWILIO_GATHER_TIMEOUT)

    @classmethod
    def from_settings(cls, settings: Any) -> RelayConfig:
        return cls(
            tts_provider=settings.relay_tts_provider,
            voice=settings.relay_voice,
            transcription_provider=settings.relay_transcription_provider,
            speech_model=settings.relay_speech_model,
            filler_seconds=settings.relay_filler_seconds,
            silence_seconds=float(settings.twilio_gather_timeout),
        )


def socket_url(base_url: str) -> str:
    """The wss:// (ws:// without TLS) URL of the socket for an http(s) base URL."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    return base + SOCKET_PATH


def handoff_data(reason: str, reference: Optional[str] = None) -> str:
    data = {"reason": reason}
    if reference:
        data["reference"] = reference
    return json.dumps(data, separators=(",", ":"))


def speakable(text: str) -> str:
    return text.replace(_CODE_PAUSE, ", ")


# --- the call starts: <Connect><ConversationRelay> ------------------------------------------------


def incoming(flow: CallFlow, form: Mapping[str, str], config: RelayConfig, base_url: str) -> str:
    """The bot's greeting, then the call is connected to the socket; TwiML."""
    call_sid = form.get("CallSid", "")
    state = CallState(call_sid=call_sid)
    _purge_old_calls(flow)
    log.info("call %s: incoming (relay mode)", call_sid)
    try:
        turn = flow.ask_bot(state, form, flow.services.start_message, "start")
    except BotFailure as failure:
        log.warning("call %s: bot failed on the greeting (%s); transferring", call_sid, failure)
        return flow.hand_over(call_sid, [flow.messages.get("technical_problem")], TECHNICAL)
    if turn.handover is not None:
        reference = str(turn.handover.get("id") or call_sid)
        words = turn.texts or [flow.messages.get("no_input_transfer")]
        return flow.hand_over(call_sid, words, str(turn.handover.get("reason") or "handover"), reference)
    if turn.hangup:
        return flow.twiml.hangup(turn.texts)
    buttons = flow.read_buttons(turn)
    spoken = [*turn.texts, *buttons]
    _remember_turn(state, turn, spoken, buttons)
    state.transcript = [{"text": speakable(" ".join(spoken)), "interrupted": False}]
    flow.services.store.save(state)

    base = base_url.rstrip("/")
    response = VoiceResponse()
    connect = Connect(action=base + ACTION_PATH, method="POST")
    options: dict[str, Any] = dict(
        url=socket_url(base),
        language=LANGUAGE,
        tts_provider=config.tts_provider,
        voice=config.voice,
        transcription_provider=config.transcription_provider,
        interruptible="any",          # speech or a key stops the bot's speech
        welcome_greeting_interruptible="any",
        dtmf_detection=True,
        welcome_greeting=speakable(" ".join(spoken)),
    )
    if config.speech_model:
        options["speech_model"] = config.speech_model
    hints = flow.services.hints.hints(flow.booking)
    if hints:
        options["hints"] = hints
    connect.conversation_relay(**options)
    response.append(connect)
    return str(response.to_xml())


def _purge_old_calls(flow: CallFlow) -> None:
    """As the Gather mode does on each new call: states untouched for STATE_TTL go."""
    try:
        flow.services.store.purge(datetime.now(UTC) - STATE_TTL)
    except Exception:  # never let housekeeping cost a call
        log.exception("telephony: purging old call states failed")


def _remember_turn(state: CallState, turn: BotTurn, spoken: list[str], buttons: list[str]) -> None:
    state.phase, state.trouble, state.pending = TALK, 0, None
    state.options = turn.options
    state.expect = turn.expect
    state.last_turn = spoken
    state.question = [*turn.texts[-1:], *buttons] or spoken[-1:]


# --- the session ends: the <Connect action> webhook ---------------------------------------------


def connect_action(flow: CallFlow, form: Mapping[str, str]) -> str:
    """After the session: transfer (or callback offer), goodbye, or — if the session failed
    without saying why — the technical-problem transfer; TwiML."""
    call_sid = form.get("CallSid", "")
    data = _read_handoff(form.get("HandoffData", ""))
    state = flow.services.store.load(call_sid)
    last_words = list(state.last_turn) if state is not None else []
    reason = data.get("reason", "")
    status = form.get("SessionStatus", "") or "?"
    if reason == GOODBYE:
        log.info("call %s: relay session ended with the goodbye", call_sid)
        return flow.twiml.hangup(last_words or [flow.messages.get("goodbye")])
    if reason:
        words = last_words or [flow.messages.get("technical_problem" if reason == TECHNICAL else "no_input_transfer")]
        reference = data.get("reference") or call_sid
        log.info("call %s: relay session ended for a transfer (%s)", call_sid, reason)
        return flow.hand_over(call_sid, words, reason, reference)
    if status in ("failed", "error") or form.get("ErrorCode"):
        log.warning("call %s: relay session failed (%s, error %s); transferring", call_sid, status,
                    form.get("ErrorCode", "?"))
        return flow.hand_over(call_sid, [flow.messages.get("technical_problem")], TECHNICAL)
    log.info("call %s: relay session ended (%s)", call_sid, status)
    return flow.twiml.hangup()


def _read_handoff(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        log.warning("relay: unreadable HandoffData ignored")
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: clean_text(str(data[key]))[:MAX_PROMPT_CHARS] for key in ("reason", "reference") if data.get(key)}


# --- the session: messages from Twilio, text back ------------------------------------------------

Send = Callable[[dict[str, Any]], None]
Spawn = Callable[[Callable[[], None]], None]


def _thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="relay-turn", daemon=True).start()


class RelaySession:
    """One call's socket. `send` writes one JSON message to Twilio; `over_limit(call_sid)` is the
    per-call turn budget (the Gather mode's); `spawn` runs the bot turn while the filler waits."""

    def __init__(
        self,
        flow: CallFlow,
        send: Send,
        filler_seconds: float = 2.5,
        over_limit: Callable[[str], bool] = lambda call_sid: False,
        spawn: Spawn = _thread,
        silence_seconds: Optional[float] = None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.flow = flow
        self.messages = flow.messages
        self._send = send
        self.filler_seconds = filler_seconds
        self.over_limit = over_limit
        self.spawn = spawn
        self.state: Optional[CallState] = None
        self.form: dict[str, str] = {}
        self.ended = False
        self.entry = ""  # keys of an entry so far (before #)
        self.silence_seconds = silence_seconds  # None: silence is not counted
        self.monotonic = monotonic
        self.silence_at: Optional[float] = None  # monotonic time from which quiet is the caller's silence

    @property
    def call_sid(self) -> str:
        return self.state.call_sid if self.state is not None else ""

    def handle(self, message: Mapping[str, Any]) -> None:
        """One message from Twilio. Whatever goes wrong, the caller hears German and is transferred."""
        if self.ended:
            return
        if self.silence_at is not None and self.silence_seconds is not None:
            self.silence_at = self.monotonic() + self.silence_seconds  # the caller did something
        try:
            self._dispatch(message)
        except Exception:
            log.exception("call %s: relay message %s failed", self.call_sid or "?", str(message.get("type"))[:20])
            self.fail()

    def fail(self) -> None:
        """The technical-problem transfer (after an error here or a bot failure)."""
        if self.ended:
            return
        if self.state is None:
            self.ended = True
            self._send({"type": "end", "handoffData": handoff_data(TECHNICAL)})
            return
        self._end(TECHNICAL, self.call_sid, [self.messages.get("technical_problem")])

    def seconds_to_silence(self) -> Optional[float]:
        """How long the socket may stay quiet before it counts as the caller's silence (None: forever)."""
        if self.ended or self.silence_seconds is None or self.silence_at is None:
            return None
        return max(0.0, self.silence_at - self.monotonic())

    def silence(self) -> None:
        """Nothing from Twilio for `seconds_to_silence`: the caller said nothing."""
        if self.ended or self.state is None:
            return
        try:
            self._silence()
        except Exception:
            log.exception("call %s: handling a silence failed", self.call_sid)
            self.fail()

    def _silence(self) -> None:
        state = self._state()
        state.trouble += 1
        log.info("call %s: no input (%d in a row)", state.call_sid, state.trouble)
        if state.trouble >= 3:
            self._end("no_input", state.call_sid, [self.messages.get("no_input_transfer")])
            return
        question = state.question or [self.messages.get("no_question_yet")]
        if state.trouble == 1:
            spoken = [self.messages.get("reprompt_first"),
                      speech.from_first_question(question[0]), *question[1:]]
        else:
            spoken = [self.messages.get("reprompt_second"), speech.first_question(question[0]) or question[0]]
            if state.options:
                spoken.append(self.messages.format("reprompt_second_options", count=len(state.options)))
            spoken.append(self.messages.get("human_hint"))
        self._speak(spoken)

    def closed(self) -> None:
        """The socket is gone (dropped or ended): nothing is kept in memory; the call's state
        stays for the <Connect action> webhook and is deleted by the status callback."""
        if not self.ended:
            log.warning("call %s: relay socket closed before the session ended", self.call_sid or "?")
        self.ended = True

    # --- dispatch -----------------------------------------------------------------------

    def _dispatch(self, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        if kind == "setup":
            self._setup(message)
        elif self.state is None:
            log.warning("relay: %s before setup ignored", str(kind)[:20])
        elif kind == "prompt":
            self._prompt(message)
        elif kind == "interrupt":
            self._interrupt(message)
        elif kind == "dtmf":
            self._dtmf(str(message.get("digit") or "")[:1])
        elif kind == "error":
            # Twilio's description of what it could not do (never the caller's words)
            log.warning("call %s: ConversationRelay error: %s", self.call_sid, str(message.get("description"))[:200])
        else:
            log.info("call %s: relay message of unknown type ignored", self.call_sid)

    def _setup(self, message: Mapping[str, Any]) -> None:
        call_sid = str(message.get("callSid") or "")
        if not CALL_SID.match(call_sid):
            log.warning("relay: setup without a usable callSid; ending")
            self.fail()
            return
        # the fields CallFlow reads, as the Gather mode's webhooks carry them
        self.form = {"CallSid": call_sid, "From": clean_text(str(message.get("from") or ""))}
        state = self.flow.services.store.load(call_sid)
        if state is None:  # greeting state lost or purged: carry on with a fresh one
            log.warning("call %s: no stored state at relay setup", call_sid)
            state = CallState(call_sid=call_sid)
        self.state = state
        self._listen_after(" ".join(state.last_turn))  # the welcome greeting is being spoken
        log.info("call %s: relay session set up", call_sid)

    def _prompt(self, message: Mapping[str, Any]) -> None:
        if message.get("last") is False:
            return  # a partial result; the final one follows
        said = clean_text(str(message.get("voicePrompt") or ""))[:MAX_PROMPT_CHARS]
        self.entry = ""
        if not said:
            state = self._state()
            self._speak([self.messages.get("reprompt_first"), *(state.question or [self.messages.get("no_question_yet")])])
            return
        self._turn(speech.normalise_code_speech(said, self.flow.vocabulary), "speech")

    def _interrupt(self, message: Mapping[str, Any]) -> None:
        """Keep what the caller heard of the bot's last turn, nothing more."""
        state = self._state()
        heard = clean_text(str(message.get("utteranceUntilInterrupt") or ""))
        if state.transcript:
            state.transcript[-1] = {"text": heard, "interrupted": True}
        state.last_turn = [heard] if heard else []
        self.flow.services.store.save(state)
        log.info("call %s: the caller interrupted after %s ms", self.call_sid,
                 message.get("durationUntilInterruptMs", "?"))

    def _dtmf(self, digit: str) -> None:
        """One key. Keys come one message each, so while a question expects an entry the keys
        are collected up to # (a date starts with 0: "0 #" is the person then)."""
        state = self._state()
        if state.expect and digit not in ("*", ""):
            if digit != "#":
                self.entry += digit
                return
            keys, self.entry = self.entry, ""
            if keys in ("", "0"):
                self._dtmf_choice("0" if keys else "#")
                return
            entry = interpret_entry(keys, state.expect, self.flow.services.clock().date())
            if entry is not None:
                self._turn(entry.text, "keypad")
                return
            help_key = f"keypad_help_{state.expect}"
            extra = [self.messages.get(help_key)] if help_key in self.messages.keys() else []  # noqa: SIM118 (Messages has keys(), no __contains__)
            self._speak([self.messages.get("keypad_not_understood"), *extra])
            return
        self.entry = ""
        self._dtmf_choice(digit)

    def _dtmf_choice(self, digit: str) -> None:
        state = self._state()
        if digit == "0":  # a person, always
            self._turn(REQUEST_HUMAN, "keypad")
        elif digit == "*":
            self._turn(REPEAT, "keypad")
        elif digit.isdigit() and 1 <= int(digit) <= len(state.options):
            self._turn(state.options[int(digit) - 1], "keypad")
        else:
            self._speak([self.messages.get("key_not_assigned")])

    # --- one bot turn ------------------------------------------------------------------

    def _turn(self, text: str, input_mode: str) -> None:
        state = self._state()
        if self.over_limit(state.call_sid):
            log.warning("telephony: call %s over the turn limit; ending", state.call_sid)
            self._end(GOODBYE, None, [self.messages.get("too_many_turns")])
            return
        turn = self._ask(text, input_mode)
        if turn is None:
            self.fail()
            return
        state.turns += 1
        announcements = self.flow.confirm_by_sms(state, self.form, turn)
        if turn.handover is not None:
            reference = str(turn.handover.get("id") or state.call_sid)
            words = turn.texts or [self.messages.get("no_input_transfer")]
            self._end(str(turn.handover.get("reason") or "handover"), reference, words)
            return
        if text == REQUEST_HUMAN:  # 0 always reaches a person, whatever the bot made of it
            self._end("keypad_zero", state.call_sid, [self.messages.get("no_input_transfer")])
            return
        if turn.hangup:
            self._end(GOODBYE, None, [*turn.texts, *announcements])
            return
        buttons = self.flow.read_buttons(turn)
        spoken = [*turn.texts, *buttons, *announcements]
        _remember_turn(state, turn, spoken, buttons)
        self._speak(spoken, save=False)
        self.flow.services.store.save(state)

    def _ask(self, text: str, input_mode: str) -> Optional[BotTurn]:
        """The bot's turn, with the filler once if it takes longer than `filler_seconds`;
        None if it failed (CallFlow's rules: down, error, too slow, silent)."""
        state = self._state()
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["turn"] = self.flow.ask_bot(state, self.form, text, input_mode)
            except BotFailure as failure:
                outcome["failure"] = str(failure)
            except Exception as error:  # never let a turn hang the socket
                outcome["failure"] = type(error).__name__
            finally:
                done.set()

        self.spawn(work)
        if not done.wait(self.filler_seconds):
            self._send({"type": "text", "token": self.messages.get("relay_filler") + " ", "last": False})
            log.info("call %s: the bot is slow; filler sent", state.call_sid)
            # ask_bot gives up after TWILIO_RASA_TIMEOUT; the margin covers the thread itself
            done.wait(self.flow.services.rasa_timeout + 5)
        if "turn" not in outcome:
            log.warning("call %s: bot failed (%s); transferring", state.call_sid, outcome.get("failure", "no answer"))
            return None
        return outcome["turn"]

    # --- speaking and ending -------------------------------------------------------------

    def _speak(self, spoken: list[str], save: bool = True) -> None:
        tokens = [sentence for text in spoken for sentence in speech.sentences(speakable(text))]
        if not tokens:
            tokens = [self.messages.get("no_question_yet")]
        for index, token in enumerate(tokens):
            last = index == len(tokens) - 1
            self._send({"type": "text", "token": token if last else token + " ", "last": last})
        self._listen_after(" ".join(tokens))
        state = self._state()
        state.transcript = [*state.transcript, {"text": " ".join(tokens), "interrupted": False}][-MAX_TRANSCRIPT:]
        if save:
            self.flow.services.store.save(state)

    def _end(self, reason: str, reference: Optional[str], words: list[str]) -> None:
        """Keep the last words for the <Connect action> TwiML, then end the session."""
        state = self._state()
        state.last_turn = words
        state.transcript = [*state.transcript, {"text": speakable(" ".join(words)), "interrupted": False}][-MAX_TRANSCRIPT:]
        self.flow.services.store.save(state)
        self.ended = True
        log.info("call %s: ending the relay session (%s)", state.call_sid, reason)
        self._send({"type": "end", "handoffData": handoff_data(reason, reference)})

    def _listen_after(self, words: str) -> None:
        """The caller's silence counts once `words` have been spoken, plus the Gather mode's wait."""
        if self.silence_seconds is not None:
            self.silence_at = self.monotonic() + estimate_seconds(words) + self.silence_seconds

    def _state(self) -> CallState:
        assert self.state is not None  # noqa: S101 (dispatch checks setup first)
        return self.state
