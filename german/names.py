"""Is an answer to "Auf welchen Namen …?" a person's name?

Used where the language model gives up on a name: "Nina Neumann" or "Nils Weber" read to it like
"nein" (intent deny), "Gisela Weber" like something off-topic; the domain then does not take the
text as the name (it must not: "nein" is no name). A name here is two to five words of letters
(with hyphens, apostrophes, accents; "Dr." allowed), none of them a word of an ordinary answer.
"""
from __future__ import annotations

import re
from typing import Optional

_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?$")
# Words of answers and requests, never of names (lower case). Not here: particles that names
# have ("von der Leyen", "zu Guttenberg", "Nguyen Van An", "Im Soo-jin").
_NOT_NAME_WORDS = frozenset(["nein", "nee", "ne", "nö", "no", "nicht", "kein", "keine", "keinen", "keinem", "doch", "ja", "jo", "genau", "danke", "bitte", "gern", "gerne", "tschüss", "tschüs", "ciao", "hallo", "egal", "weiß", "weiss", "ich", "mich", "mir", "mein", "meine", "sie", "ihr", "ihnen", "wir", "uns", "du", "die", "das", "dem", "ein", "eine", "einen", "einem", "und", "oder", "aber", "ist", "sind", "war", "bin", "bist", "habe", "hat", "haben", "möchte", "will", "wollen", "kann", "können", "soll", "sollen", "mal", "noch", "schon", "jetzt", "später", "lieber", "anders", "falsch", "richtig", "abbrechen", "abbruch", "stopp", "stop", "aufhören", "ende", "zurück", "vorne", "neu", "wiederholen", "mensch", "menschen", "person", "mitarbeiter", "mitarbeiterin", "berater", "beraterin", "termin", "termine", "name", "namen", "nummer", "telefon", "code", "buchung", "buchen", "warum", "was", "wer", "wie", "wo", "wann", "welche", "welcher", "welchen", "auf", "für", "mit", "bei", "nach", "über"])


def only_common_words(text: str) -> bool:
    """True when no word of the text could be part of a name ("ja", "nein danke", "egal")."""
    words = [word.lower().strip(".,!?") for word in text.split()]
    return bool(words) and all(word in _NOT_NAME_WORDS for word in words)


def name_in_answer(text: str) -> Optional[str]:
    """The answer itself when it looks like a person's name, else None."""
    words = text.strip().strip(".,!?").split()
    if not 2 <= len(words) <= 5 or len(text) > 80:
        return None
    if any(not _WORD.match(word) or word.lower().strip(".") in _NOT_NAME_WORDS for word in words):
        return None
    return " ".join(words)
