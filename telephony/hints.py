"""Speech hints for <Gather>: the service and location vocabulary plus everyday answers.

Read from the booking catalogue through the port when the gateway has one
(`app.extensions["booking"]`), otherwise from vocabulary_de.yml; cached for a while because
the catalogue changes rarely and every turn needs the hints.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable, Optional

from booking_adapter.port import BookingPort
from telephony.texts import Vocabulary

log = logging.getLogger(__name__)

MAX_HINTS = 450          # Twilio accepts a few hundred phrases
MAX_HINT_CHARS = 100     # ... of at most 100 characters each


class HintProvider:
    def __init__(
        self,
        vocabulary: Vocabulary,
        ttl_seconds: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.vocabulary = vocabulary
        self.ttl_seconds = ttl_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[float, str]] = {}

    def hints(self, booking: Optional[BookingPort] = None) -> str:
        key = id(booking) if booking is not None else 0
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached and now - cached[0] < self.ttl_seconds:
                return cached[1]
        catalogue = self._catalogue(booking)
        value = join_hints([*self.vocabulary.hints_always, *self.vocabulary.hints_catalogue, *catalogue])
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def _catalogue(self, booking: Optional[BookingPort]) -> list[str]:
        if booking is None:
            return []
        try:
            phrases: list[str] = []
            for service in booking.services():
                phrases += [service.name, *service.synonyms]
            for location in booking.locations():
                phrases += [self._place(location.name), location.name]
            return phrases
        except Exception:  # hints are a nicety; a catalogue problem must not break a call
            log.exception("telephony: could not read the catalogue for speech hints; using the fallback list")
            return []


    def _place(self, name: str) -> str:
        """'Hamburg Service vor Ort Altona' -> 'Altona': the words callers actually say."""
        for prefix in self.vocabulary.location_name_prefixes:
            if name.lower().startswith(prefix.lower()):
                return name[len(prefix):].strip(" -–")
        return name


def join_hints(phrases: Iterable[str]) -> str:
    seen: set[str] = set()
    kept: list[str] = []
    for phrase in phrases:
        cleaned = " ".join(str(phrase).replace(",", " ").split())
        if not cleaned or len(cleaned) > MAX_HINT_CHARS or cleaned.lower() in seen:
            continue
        seen.add(cleaned.lower())
        kept.append(cleaned)
        if len(kept) >= MAX_HINTS:
            break
    return ", ".join(kept)
