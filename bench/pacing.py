"""How long a simulated citizen pauses between two turns (bench/load.py).

A load test without pauses measures a queue of citizens who answer the instant the bot has
spoken, which no caller can do: on the phone the bot's words are first played by Twilio's
text-to-speech, then the caller speaks, then Twilio waits for the end of speech before it
posts the webhook. In the chat the citizen reads the answer, then types or clicks. The
figures below are deliberately on the fast side of ordinary people (a fast citizen makes
more load), and each pause is scaled by a random factor so that citizens drift apart.

Sources for the rates (rounded towards faster):
- German text-to-speech at normal rate: about 14 characters per second (≈ 150 words/min).
- Spontaneous speech: about 12 characters per second; Twilio's end-of-speech detection
  (speechTimeout="auto") adds about one second of silence.
- Keying one digit on the phone after the menu: about 1.5 s.
- Reading on screen: about 25 characters per second (≈ 250 words/min, skilled readers).
- Typing on a phone or keyboard: about 4 characters per second; clicking a button: 1.5 s.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    tts_chars_per_second: float = 14.0
    speech_chars_per_second: float = 12.0
    end_of_speech_seconds: float = 1.0
    keypress_seconds: float = 1.5
    reading_chars_per_second: float = 25.0
    typing_chars_per_second: float = 4.0
    click_seconds: float = 1.5
    jitter: float = 0.25  # each pause × a uniform factor in [1 - jitter, 1 + jitter]
    scale: float = 1.0  # 0 = no pauses at all (the stress run)

    def phone(self, spoken_by_bot: str, reply: str, rng: random.Random, keyed: bool = False) -> float:
        """Seconds between the bot's answer arriving at Twilio and the caller's next webhook."""
        listening = len(spoken_by_bot) / self.tts_chars_per_second
        answering = self.keypress_seconds if keyed else (
            len(reply) / self.speech_chars_per_second + self.end_of_speech_seconds)
        return self._scaled(listening + answering, rng)

    def chat(self, shown_by_bot: str, reply: str, rng: random.Random, clicked: bool = False) -> float:
        """Seconds between the bot's answer appearing and the citizen sending the next message."""
        reading = len(shown_by_bot) / self.reading_chars_per_second
        answering = self.click_seconds if clicked else len(reply) / self.typing_chars_per_second
        return self._scaled(reading + answering, rng)

    def _scaled(self, seconds: float, rng: random.Random) -> float:
        if self.scale <= 0:
            return 0.0
        factor = rng.uniform(1 - self.jitter, 1 + self.jitter)
        return seconds * factor * self.scale


NO_PAUSES = Pacing(scale=0.0)
