"""Is a sentence about an appointment the citizen already has, and what do they want with it?

"ich hab nächsten Montag einen Termin in Wandsbek für den Ausweis, können wir den verschieben"
reads to a language model much like a new booking (service, place, day): the words that tell a
clerk otherwise are the possession ("ich habe einen Termin", "mein Termin", a booking code) and
the verb (verschieben, absagen, nachsehen). These readers find both; the actions use them to
take such a request out of the booking and into the manage flow.
"""
from __future__ import annotations

import re
from typing import Optional

from german.codes import unmistakable_code

CANCEL, RESCHEDULE, CHECK = "cancel", "reschedule", "check"

_HAS_ONE = re.compile(
    r"\b(?:ich|wir|er|sie|es|mutter|vater|mann|frau|sohn|tochter|kind|oma|opa)\s+"
    r"(?:hab|habe|haben|hat|hatte|hatten|hätte)\b[^.?!]{0,80}?\btermin"
    r"|\b(?:mein|meine[mn]?|unser|unsere[mn]?|sein|seine[mn]?|ihr|ihre[mn]?)\s+(?:gebuchte[mn]?\s+|\w+\s+)?termin"
    r"|\b(?:bin|sind|ist)\b[^.?!]{0,40}\b(?:gebucht|eingetragen|angemeldet)\b"
    r"|\b(?:den|diesen)\s+termin\b[^.?!]{0,60}\b(?:verschieben|verlegen|absagen|stornieren|nicht\s+mehr)"
    r"|\bi\s+have\b[^.?!]{0,40}\b(?:appointment|termin)|\bmy\s+appointment",
    re.IGNORECASE,
)
_GOALS = (
    (CANCEL, re.compile(
        r"absag|\bsag\w*\b[^.?!]{0,40}\bab\b|stornier|streich|lösch|cancel|nicht\s+mehr\s+(?:brauch|nötig|notwendig)|brauche?n?\s+(?:ihn|den|es|das)\s+"
        r"(?:\w+\s+)?nicht\s+mehr|brauch\w*\s+(?:ich|wir)\s+(?:\w+\s+)?nicht\s+mehr|hat\s+sich\s+erledigt|fällt\s+aus"
        r"|kann\s+weg|freigeben|überflüssig", re.IGNORECASE)),
    (RESCHEDULE, re.compile(
        r"verschieb|verleg|umbuch|umleg|tausch|vorverleg|\bschieben|anderen\s+(?:tag|termin|zeitpunkt|uhrzeit)"
        r"|(?:einen\s+tag|eine\s+woche|zwei\s+tage|etwas)\s+(?:später|früher)|nicht\s+wahrnehmen|auf\s+(?:\w+\s+){1,4}legen"
        r"|\bchange\b|\breschedule", re.IGNORECASE)),
    (CHECK, re.compile(
        r"\bwann\s+(?:war|ist|genau)|vergessen|nachschau|nachseh|nachgucken|weiß\s+(?:nicht\s+mehr|nicht\s+genau|nicht)\s+wann"
        r"|noch\s+gültig|bestätigt|nicht\s+(?:mehr\s+)?sicher|welche\s+uhrzeit|wo\s+(?:war|ist)\s+(?:der|mein)"
        r"|welche[rnms]?\s+(?:tag|uhrzeit|datum|zeit)\s+(?:war|ist|hatte)|\bwar\s+(?:das|der|er|es)\s+(?:am|um)\b"
        r"|\bwann\s+(?:ich|wir|er|sie)\s+(?:kommen|da\s+sein|hin)",
        re.IGNORECASE)),
)


def code_in(text: str) -> Optional[str]:
    """A booking code written in the sentence ("Termin JW9-TH6"), never ordinary words that
    happen to use the code's letters ("kann man den" is no "MAN-DEN"): it has a digit or stands
    in the text in capitals."""
    code = unmistakable_code(text)
    if code and (any(ch.isdigit() for ch in code) or code in text or code.replace("-", "") in text):
        return code
    return None


def refers_to_an_existing_appointment(text: str) -> bool:
    """"ich habe am Montag einen Termin", "mein Termin", "wir sind für Mittwoch eingetragen", a code."""
    return bool(_HAS_ONE.search(text) or code_in(text))


# Words that ask for a move only in a sentence about the appointment itself ("geht der auch
# früher?", "da kann ich nicht"); elsewhere "früher" is a wish for a new booking.
_WEAK_RESCHEDULE = re.compile(
    r"\b(?:später|früher|eher)\b|(?:schaffe|schaff|kann|können)\s+(?:ich|wir|er|sie)?\s*(?:da|dann|den|ihn|es)?\s*nicht"
    r"|\blegen\b|\bmove\b|\bmust\s+work\b", re.IGNORECASE)


def goal_for_an_existing_appointment(text: str, about_it: bool = False) -> Optional[str]:
    """cancel / reschedule / check from the sentence's verb, or None when it names none.
    `about_it`: the conversation already said it is about an existing appointment, so "geht
    der auch früher?" asks for a move even without naming the appointment again."""
    for goal, pattern in _GOALS:
        if pattern.search(text):
            return goal
    if (about_it or refers_to_an_existing_appointment(text)) and _WEAK_RESCHEDULE.search(text):
        return RESCHEDULE
    return None
