"""A phone that plays Twilio's part, for tests, benchmarks and `python -m devtools.call`
(`make call`): it signs every webhook request with the auth token exactly as Twilio does,
reads what would be spoken (the TwiML's <Say> text), and sends text as speech or keys.

  text             speech (recognition confidence 0.9)
  ?0.3 text        speech with a low confidence (0.3), to try the read-back
  0  *  1  0112#   keys (a line of only 0-9 * #); the trailing # ends an entry
  empty line       silence
  /hangup          hang up (also Ctrl-D)

Where the requests go is a transport: a Flask app in this process (`flask_transport`) or a
running gateway over HTTP (`http_transport`).
"""
from __future__ import annotations

import json
import os
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

SIMULATED_HOTLINE = "+4940115"


@dataclass
class Exchange:
    """One webhook request and what came back."""

    path: str
    fields: dict[str, str]
    status: int
    root: Optional[ET.Element]
    seconds: float
    server_timing: str = ""


# --- transports: where the signed requests go ------------------------------------------------

Transport = Callable[[str, dict[str, str], dict[str, str]], tuple[int, bytes, dict[str, str]]]


def flask_transport(app) -> Transport:
    client = app.test_client()

    def post(path: str, form: dict[str, str], headers: dict[str, str]):
        response = client.post(path, data=form, headers=headers)
        return response.status_code, response.data, dict(response.headers)

    return post


def http_transport(base_url: str, timeout: float = 20.0) -> Transport:
    import requests

    session = requests.Session()

    def post(path: str, form: dict[str, str], headers: dict[str, str]):
        response = session.post(base_url.rstrip("/") + path, data=form, headers=headers, timeout=timeout)
        return response.status_code, response.content, dict(response.headers)

    return post


# --- the phone -----------------------------------------------------------------------------


@dataclass
class SignedPhone:
    """Posts Twilio-style webhook requests for one call, signed like Twilio signs them."""

    transport: Transport
    auth_token: str
    public_base_url: str
    caller: str = "+491701234567"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    exchanges: list[Exchange] = field(default_factory=list)

    def post(self, url_or_path: str, **extra: str) -> Exchange:
        path = _path_of(url_or_path)
        form = {
            "CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
            "To": "+4940115", "Direction": "inbound", "ApiVersion": "2010-04-01", **extra,
        }
        url = self.public_base_url.rstrip("/") + path
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        started = time.perf_counter()
        status, body, headers = self.transport(path, form, {"X-Twilio-Signature": signature})
        seconds = time.perf_counter() - started
        root = ET.fromstring(body) if status == 200 and body.strip().startswith(b"<") else None
        exchange = Exchange(path, form, status, root, seconds, headers.get("Server-Timing", ""))
        self.exchanges.append(exchange)
        _record_spoken(self.call_sid, path, root)
        return exchange

    def incoming(self) -> Exchange:
        return self.post("/voice/incoming", CallStatus="ringing")

    def hang_up(self) -> Exchange:
        return self.post("/voice/status", CallStatus="completed", CallDuration="60")


def _record_spoken(call_sid: str, path: str, root: Optional[ET.Element]) -> None:
    """With PHONE_SPOKEN_LOG set, append what this answer speaks as one JSON line, so the
    spoken length of every turn of a test or evaluation run can be measured (eval/phone)."""
    target = os.environ.get("PHONE_SPOKEN_LOG")
    if not target or root is None:
        return
    line = {"call": call_sid, "path": path.split("?")[0], "says": spoken(root)}
    with open(target, "a", encoding="utf-8") as log_file:
        log_file.write(json.dumps(line, ensure_ascii=False) + "\n")


def _path_of(url_or_path: str) -> str:
    parts = urlsplit(url_or_path)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def say_text(say: ET.Element) -> str:
    """The words of a <Say>, with SSML breaks shown as '…'."""
    out = [say.text or ""]
    for child in say:
        if child.tag == "break":
            out.append(" … ")
        else:
            out.append(say_text(child))
        out.append(child.tail or "")
    return " ".join("".join(out).split())


def spoken(root: Optional[ET.Element]) -> list[str]:
    return [say_text(say) for say in root.iter("Say")] if root is not None else []


# --- the interactive call ------------------------------------------------------------------


def parse_input(line: str) -> Optional[dict[str, str]]:
    """A typed line as webhook fields; None means hang up."""
    line = line.strip()
    if line in ("/hangup", "/quit", "/auflegen"):
        return None
    if not line:
        return {}
    if all(ch in "0123456789*#" for ch in line.replace(" ", "")):
        digits = line.replace(" ", "").rstrip("#")
        return {"Digits": digits} if digits else {}
    confidence = "0.9"
    if line.startswith("?"):
        head, _, rest = line.partition(" ")
        confidence, line = head[1:] or "0.3", rest
    return {"SpeechResult": line, "Confidence": confidence}


class CallSession:
    """Walks the TwiML like Twilio would, asking `ask` for the caller's part."""

    def __init__(
        self,
        phone: SignedPhone,
        ask: Callable[[str], str],
        show: Callable[[str], None] = print,
        max_steps: int = 200,
    ):
        self.phone, self.ask, self.show, self.max_steps = phone, ask, show, max_steps
        self.heard: list[str] = []
        self.ended = False

    def run(self) -> None:
        exchange: Optional[Exchange] = self.phone.incoming()
        for _ in range(self.max_steps):
            if exchange is None:
                break
            exchange = self.step(exchange)
        if not self.ended:
            self.phone.hang_up()
            self.ended = True

    def step(self, exchange: Exchange) -> Optional[Exchange]:
        if exchange.root is None:
            self.show(f"[gateway answered {exchange.status}; the call would end here]")
            return None
        for element in exchange.root:
            if element.tag == "Say":
                self._say(element)
            elif element.tag == "Pause":
                self.show("[pause]")
            elif element.tag == "Gather":
                for say in element.iter("Say"):
                    self._say(say)
                return self._gather(element)
            elif element.tag == "Redirect":
                return self.phone.post(element.text or "/voice/gather")
            elif element.tag == "Dial":
                return self._dial(element)
            elif element.tag == "Hangup":
                break
        self.show("[the call ends]")
        self.phone.hang_up()
        self.ended = True
        return None

    def _say(self, say: ET.Element) -> None:
        text = say_text(say)
        self.heard.append(text)
        self.show(f"assistant: {text}")

    def _gather(self, gather: ET.Element) -> Optional[Exchange]:
        try:
            line = self.ask("you> ")
        except EOFError:
            line = "/hangup"
        fields = parse_input(line)
        if fields is None:
            self.show("[you hang up]")
            self.phone.hang_up()
            self.ended = True
            return None
        return self.phone.post(gather.get("action") or "/voice/gather", **fields)

    def _dial(self, dial: ET.Element) -> Optional[Exchange]:
        target = (dial.findtext("Number") or dial.findtext("Sip") or "").strip()
        self.show(f"[transfer to {target}; no real call is placed in the simulator]")
        try:
            answer = self.ask("simulator: does an agent answer? [y/N] ")
        except EOFError:
            answer = ""
        status = "completed" if answer.strip().lower() in ("y", "yes", "j", "ja") else "no-answer"
        return self.phone.post(dial.get("action") or "/voice/dial-status", DialCallStatus=status, DialCallDuration="0")


def scripted(lines: list[str], show: Callable[[str], None] = lambda text: None) -> Callable[[str], str]:
    """An `ask` that answers from a list (then hangs up): for tests and the benchmark."""
    remaining: Iterator[str] = iter(lines)

    def ask(prompt: str) -> str:
        line = next(remaining, "/hangup")
        show(f"{prompt}{line}")
        return line

    return ask
