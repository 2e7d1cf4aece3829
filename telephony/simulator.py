"""A phone call in the terminal: `python -m telephony.simulator` (or `make call`).

It plays Twilio's part: signs every webhook request with the auth token exactly as Twilio
does, prints what would be spoken (the TwiML's <Say> text), and sends what you type as
speech or keys. No Twilio account is needed.

  text             speech (recognition confidence 0.9)
  ?0.3 text        speech with a low confidence (0.3), to try the read-back
  0  *  1  0112#   keys (a line of only 0-9 * #); the trailing # ends an entry
  empty line       silence
  /hangup          hang up (also Ctrl-D)

By default the gateway runs inside this process (with a throwaway auth token) and talks to
the Rasa server at RASA_URL, so `make run` must be running in another terminal. With
`--gateway http://127.0.0.1:8000` the requests go to a running gateway instead, signed with
TWILIO_AUTH_TOKEN for TWILIO_PUBLIC_BASE_URL (both from the environment).
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
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
        return exchange

    def incoming(self) -> Exchange:
        return self.post("/voice/incoming", CallStatus="ringing")

    def hang_up(self) -> Exchange:
        return self.post("/voice/status", CallStatus="completed", CallDuration="60")


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
        exchange = self.phone.incoming()
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


# --- command line ----------------------------------------------------------------------------


def in_process_gateway(sms_echo: Callable[[str], None] = print):
    """The real gateway app in this process, with a throwaway token and a printing SMS sender."""
    from common.settings import Settings
    from gateway import create_app
    from telephony.sms import RecordingSmsSender

    settings = Settings.from_env()
    token = secrets.token_hex(16)
    settings = replace(
        settings,
        twilio_auth_token=token,
        twilio_public_base_url="https://simulator.invalid",
        twilio_hotline_number=settings.twilio_hotline_number or SIMULATED_HOTLINE,
    )
    services_log = logging.getLogger("telephony.services")
    level = services_log.level
    services_log.setLevel(logging.ERROR)  # "SMS off" would mislead: the simulator prints them
    try:
        app = create_app(settings)
    finally:
        services_log.setLevel(level)
    services = app.extensions["telephony"]
    sms = RecordingSmsSender(echo=lambda message: sms_echo(f"[SMS to {message.to}] {message.body}"))
    app.extensions["telephony"] = replace(services, sms=sms, background=lambda work: work())
    return app, token, settings.twilio_public_base_url


def _reachable(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", help="URL of a running gateway (default: run it in this process)")
    parser.add_argument("--caller", default="+491701234567", help="the caller's number (From)")
    args = parser.parse_args(argv)

    if args.gateway:
        token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            print("TWILIO_AUTH_TOKEN must be set (the same as the gateway's) to sign requests.", file=sys.stderr)
            return 2
        public = os.environ.get("TWILIO_PUBLIC_BASE_URL") or args.gateway
        phone = SignedPhone(http_transport(args.gateway), token, public, caller=args.caller)
    else:
        logging.basicConfig(level=logging.WARNING, format="[gateway log] %(message)s")
        app, token, public = in_process_gateway()
        rasa_url = app.extensions["settings"].rasa_url
        if not _reachable(rasa_url):
            print(f"Rasa is not reachable at {rasa_url}: start `make run` in another terminal first,\n"
                  "or the call goes straight to the technical-problem transfer.\n", file=sys.stderr)
        phone = SignedPhone(flask_transport(app), token, public, caller=args.caller)

    print(__doc__.split("\n\n")[2])
    print(f"[call {phone.call_sid} from {args.caller}]\n")
    CallSession(phone, ask=input).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
