"""Yes and no as people answer a yes/no question: "ja, bitte stornieren", "ja die Nummer von der
ich anrufe", "jo passt", "nee doch nicht", "ja, gern, aber lieber Donnerstag" (a yes with a change).
"""
from __future__ import annotations

import re
from typing import Optional

_YES = re.compile(r"^\W*(?:ja+|jawohl|jap|jo|jup|yes|genau|gerne?|ok(?:ay|ey)?|passt|richtig|korrekt|klar|sicher"
                  r"|einverstanden|stimmt|bitte(?:\s+buchen)?|machen\s+sie\s+das|in\s+ordnung|alles\s+(?:klar|richtig|korrekt)"
                  r"|das\s+(?:passt|stimmt|ist\s+richtig)|sehr\s+gut|super|prima|perfekt)\b")
_NO = re.compile(r"^\W*(?:nein|nee|ne|nö|no|nicht\s+so|lieber\s+nicht|auf\s+keinen\s+fall|falsch|stimmt\s+nicht|das\s+stimmt\s+nicht)\b")
_LEAD = re.compile(r"^\W*(?:(?:hm+|äh+m?|ähm|also|ach|oh|na|naja|ok|okay|moment|warte|ja)\W+)*(?=\w)")
_NO_ANYWHERE = re.compile(r"\bdoch\s+nicht\b|\bbehalte\b|\blieber\s+(?:doch\s+)?nicht\b|\bnicht\s+(?:absagen|buchen|verschieben|stornieren)\b")
_BUT = re.compile(r"\b(?:aber|lieber|sondern|statt|doch\s+nicht|nicht)\b")


def yes_or_no(text: str) -> Optional[bool]:
    """True for a plain yes, False for a no, None for anything else, also a yes with a change."""
    lowered = (text or "").lower().strip()
    if _NO.match(lowered) or _NO_ANYWHERE.search(lowered):
        return False
    unlead = _LEAD.sub("", lowered, count=1)
    if _NO.match(unlead):
        return False
    for candidate in (lowered, unlead):
        if not _YES.match(candidate):
            continue
        rest = _YES.sub("", candidate, count=1)
        return None if _BUT.search(rest) else True
    return None
