"""TwiML for the German phone channel, built with Twilio's own library.

Every <Say> is German (language="de-DE") in the configured voice; with Polly and Google
voices the text is wrapped in SSML <prosody rate> (slower suits older callers) and the
pauses inside spelled codes ("K, 7, M ... 4, T, X") become <break>. Every <Gather> listens
for speech and keys, in German, with hints, with barge-in (an answer stops the prompt), and
posts even an empty result back so that silence is handled by the gateway and never ends
the call.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlencode

from twilio.twiml.voice_response import Dial, Gather, Say, VoiceResponse

from telephony.speech import chunks

LANGUAGE = "de-DE"
_SSML_VOICE_PREFIXES = ("polly.", "google.")
_CODE_PAUSE = " ... "


@dataclass(frozen=True)
class VoiceConfig:
    voice: str = "Polly.Vicki-Neural"
    speech_rate: str = "90%"
    speech_timeout: str = "3"
    gather_timeout: int = 6
    speech_model: str = ""
    hotline: str = ""
    dial_caller_id: str = ""
    dial_timeout: int = 25
    public_base_url: str = ""
    max_say_chars: int = 250
    code_pause: str = "600ms"

    @property
    def ssml(self) -> bool:
        return self.voice.lower().startswith(_SSML_VOICE_PREFIXES)


TURN_TOKEN_ARG = "turn"  # noqa: S105 (a query argument's name); the query argument of a Gather's answer URL (telephony/views.py reads it)


def fresh_turn_token() -> str:
    return secrets.token_urlsafe(9)


class TwimlBuilder:
    """`turn_token` makes each Gather's answer URL unique (`/voice/gather?turn=…`), so an exact
    replay of a signed answer can be told from a caller who is silent twice (telephony/views.py)."""

    def __init__(self, config: VoiceConfig, turn_token: Callable[[], str] = fresh_turn_token):
        self.config = config
        self.turn_token = turn_token

    # --- URLs ----------------------------------------------------------------------------

    def url(self, path: str, **query: str) -> str:
        """Absolute when a public base URL is configured (works behind a proxy), else relative."""
        base = self.config.public_base_url.rstrip("/")
        query_string = urlencode({key: value for key, value in query.items() if value})
        return f"{base}{path}" + (f"?{query_string}" if query_string else "")

    def gather_url(self) -> str:
        """Where Twilio posts an answer, unique per answer (so a replay can be recognised)."""
        return self.url("/voice/gather", **{TURN_TOKEN_ARG: self.turn_token()})

    # --- speech ----------------------------------------------------------------------------

    def say(self, text: str) -> Say:
        config = self.config
        if not config.ssml:
            return Say(text.replace(_CODE_PAUSE, ", "), voice=config.voice, language=LANGUAGE)
        say = Say(voice=config.voice, language=LANGUAGE)
        target = say.prosody(rate=config.speech_rate) if config.speech_rate not in ("", "100%") else say
        parts = text.split(_CODE_PAUSE)
        for index, part in enumerate(parts):
            if index:
                target.break_(time=config.code_pause)
            target.append(part)
        return say

    def _speak_into(self, parent, segments: Iterable[str]) -> None:
        for segment in segments:
            for piece in chunks(segment, self.config.max_say_chars):
                parent.append(self.say(piece))

    # --- responses -------------------------------------------------------------------------

    def gather(self, segments: Iterable[str], hints: str = "", *, entry: bool = False) -> str:
        """Speak, then listen. `entry=True` accepts several keys ended by # (dates, codes,
        numbers); otherwise one key press answers at once."""
        config = self.config
        response = VoiceResponse()
        options = dict(
            input="speech dtmf",
            language=LANGUAGE,
            action=self.gather_url(),
            method="POST",
            action_on_empty_result=True,
            # the caller may answer as soon as they know: speech or a key stops the prompt
            barge_in=True,
            speech_timeout=config.speech_timeout,
            timeout=config.gather_timeout + (6 if entry else 0),
        )
        if entry:
            options["finish_on_key"] = "#"
        else:
            options["num_digits"] = 1
        if hints:
            options["hints"] = hints
        if config.speech_model:
            options["speech_model"] = config.speech_model
        gather = Gather(**options)
        self._speak_into(gather, segments)
        response.append(gather)
        # Not reached while actionOnEmptyResult works; a safety net against silence hang-ups.
        response.redirect(self.gather_url(), method="POST")
        return str(response.to_xml())

    def transfer(self, segments: Iterable[str], reference: str, call_sid: str, reason: str) -> str:
        """Speak, then dial the hotline; the hand-over reference travels with the call."""
        config = self.config
        response = VoiceResponse()
        self._speak_into(response, segments)
        dial_options = dict(
            action=self.url("/voice/dial-status", ref=reference, reason=reason),
            method="POST",
            timeout=config.dial_timeout,
            answer_on_bridge=True,
        )
        if config.dial_caller_id:
            dial_options["caller_id"] = config.dial_caller_id
        dial = Dial(**dial_options)
        if config.hotline.lower().startswith("sip:"):
            separator = "&" if "?" in config.hotline else "?"
            headers = urlencode({"X-Handover-Id": reference, "X-Call-Sid": call_sid})
            dial.sip(f"{config.hotline}{separator}{headers}")
        else:
            dial.number(config.hotline, url=self.url("/voice/whisper", ref=reference), method="POST")
        response.append(dial)
        return str(response.to_xml())

    def standalone_transfer(self, segments: Iterable[str], unanswered: Iterable[str]) -> str:
        """Speak, dial the hotline, and if nobody answers speak `unanswered` and hang up, with no
        URL back to the gateway: TwiML that works while the gateway is down (telephony/fallback.py)."""
        config = self.config
        if not config.hotline:
            raise ValueError("TWILIO_HOTLINE_NUMBER is needed for a transfer")
        response = VoiceResponse()
        self._speak_into(response, segments)
        dial_options: dict = dict(timeout=config.dial_timeout, answer_on_bridge=True)
        if config.dial_caller_id:
            dial_options["caller_id"] = config.dial_caller_id
        dial = Dial(**dial_options)
        if config.hotline.lower().startswith("sip:"):
            dial.sip(config.hotline)
        else:
            dial.number(config.hotline)
        response.append(dial)
        self._speak_into(response, unanswered)  # reached when the dial ends without a person
        response.hangup()
        return str(response.to_xml())

    def hangup(self, segments: Iterable[str] = ()) -> str:
        response = VoiceResponse()
        self._speak_into(response, segments)
        response.hangup()
        return str(response.to_xml())

    def speak(self, segments: Iterable[str]) -> str:
        """Only speech (the whisper an agent hears before the caller is put through)."""
        response = VoiceResponse()
        self._speak_into(response, segments)
        return str(response.to_xml())


def spoken_reference(reference: str) -> str:
    """A reference an agent can note: a hand-over id as it is, a CallSid by its last six characters."""
    if reference.startswith("CA") and len(reference) > 10:
        return ", ".join(reference[-6:].upper())
    return reference
