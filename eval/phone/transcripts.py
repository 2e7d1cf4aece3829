"""Record complete phone calls as the caller hears them, with the seconds each turn takes.

    .venv/bin/python -m eval.phone.transcripts            # writes docs/transcripts/phone_*.md

Starts the real stack like the dialogue runner (Rasa, action server, gateway; fresh SQLite
store; clock pinned to Monday 2 March 2026 10:00), calls through the signed /voice webhooks
as Twilio would, and follows the TwiML: what is said inside and after each <Gather>, a
<Redirect>, a <Hangup>. Every turn is synthesised with espeak-ng (German, 150 words per
minute) and measured with sox (eval/phone/spoken.py).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from eval.dialogues.run import NOW, ROOT, start_stack
from eval.phone.spoken import summary, turn_seconds
from telephony.simulator import SignedPhone, http_transport, spoken

OUT = ROOT / "docs" / "transcripts"

CALLS = {
    "phone_booking_short_turns": (
        "A booking by phone",
        "The caller gives service and place in one sentence, answers during the offer list "
        "(barge-in), hears the code once, asks for it again, and says goodbye.",
        "+4915112345678",
        ["ich brauche einen neuen personalausweis in wandsbek", "nächste woche dienstag vormittags",
         "den ersten bitte", "erika mustermann", "ja", "ja", "ja bitte", "nein danke"],
    ),
    "phone_move": (
        "Registration after a move by phone",
        "The caller moved in last Monday; the deadline is said with weekday and date, the "
        "preferred day is asked; a wish after the deadline is said to give way, the offer lies "
        "inside it; a landline caller hears the documents instead of an SMS promise.",
        "+494012345678",
        ["ich bin umgezogen und muss mich ummelden", "letzten montag", "nächste woche mittwoch vormittags",
         "in altona", "ja der passt", "heinz schmidt", "ja die nummer", "ja", "nein", "nein das war alles"],
    ),
}


def record(phone: SignedPhone, says: list[str]) -> list[tuple[str, list[str], bool]]:
    """(what the caller said, what the caller heard, whether the call ended) per turn."""
    turns = []
    exchange = phone.incoming()
    caller_words = "(ruft an)"
    remaining = list(says)
    while exchange is not None:
        heard: list[str] = []
        root = exchange.root
        ended = True
        gather_url = None
        while root is not None:
            heard += spoken(root)
            gather = root.find("Gather")
            if gather is not None:
                gather_url, ended = gather.get("action"), False
                break
            redirect = root.find("Redirect")
            if redirect is None or root.find("Hangup") is not None or root.find("Dial") is not None:
                break
            root = phone.post(redirect.text or "/voice/gather").root
        turns.append((caller_words, heard, ended))
        if ended or not remaining:
            break
        caller_words = remaining.pop(0)
        exchange = phone.post(gather_url, SpeechResult=caller_words, Confidence="0.92")
    phone.hang_up()
    return turns


def write(name: str, title: str, about: str, caller: str, turns) -> Path:
    seconds = [turn_seconds(heard) for _, heard, _ in turns]
    lines = [
        f"# {title} (voice, short turns)", "",
        f"Recorded by `python -m eval.phone.transcripts` against the real stack (Rasa, action "
        f"server, gateway, fresh SQLite store), clock pinned to {NOW[:10]} 10:00, caller ID {caller[:6]}…, "
        "through the signed `/voice` webhooks. Seconds per turn: espeak-ng (German, 150 words per "
        "minute), measured with sox.", "", about, "",
        f"Spoken length: {summary(seconds)}.", "",
        "| Anrufer sagt | Anrufer hört | s |", "|---|---|---|",
    ]
    for (said, heard, ended), value in zip(turns, seconds):
        text = " ".join(heard).replace("|", "/") + (" *(legt auf)*" if ended else "")
        lines.append(f"| {said} | {text} | {value:.1f} |")
    path = OUT / f"{name}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="transcripts-") as folder:
        stack = start_stack(Path(folder))
        try:
            for name, (title, about, caller, says) in CALLS.items():
                phone = SignedPhone(http_transport(f"http://127.0.0.1:{stack.ports.gateway}", timeout=90),
                                    stack.env["TWILIO_AUTH_TOKEN"], stack.env["TWILIO_PUBLIC_BASE_URL"], caller=caller)
                print(write(name, title, about, caller, record(phone, says)))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
