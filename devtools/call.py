"""A phone call in the terminal: `python -m devtools.call` (or `make call`).

It plays Twilio's part (telephony/simulator.py): signs every webhook request with the auth
token exactly as Twilio does, prints what would be spoken (the TwiML's <Say> text), and sends
what you type as speech or keys. No Twilio account is needed.

  text             speech (recognition confidence 0.9)
  ?0.3 text        speech with a low confidence (0.3), to try the read-back
  0  *  1  0112#   keys (a line of only 0-9 * #); the trailing # ends an entry
  empty line       silence
  /hangup          hang up (also Ctrl-D)

By default the gateway runs inside this process (with a throwaway auth token) and talks to
the Rasa server at RASA_URL, so `make run` must be running in another terminal. With
`--gateway http://127.0.0.1:8000` the requests go to a running gateway instead, signed with
TWILIO_AUTH_TOKEN for TWILIO_PUBLIC_BASE_URL (both from the environment).

`--relay` (`make call MODE=relay`) calls in the ConversationRelay mode instead: the gateway
(in this process on a spare port, or `--gateway` started with VOICE_MODE=relay) answers with
<ConversationRelay> and the call goes over the WebSocket (telephony/relay_client.py plays
Twilio). A line of keys sends them one `dtmf` each; `>N text` first interrupts the last answer
after its N-th sentence (the caller heard only those), then says the text.

It lives outside telephony/ because it builds the whole gateway app (which hosts telephony).
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from dataclasses import replace
from typing import Callable, Optional

from telephony.simulator import SIMULATED_HOTLINE, CallSession, SignedPhone, flask_transport, http_transport, spoken


def in_process_gateway(sms_echo: Callable[[str], None] = print, **overrides):
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
        **overrides,
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
    parser.add_argument("--relay", action="store_true", help="the ConversationRelay mode (a WebSocket call)")
    args = parser.parse_args(argv)
    if args.relay:
        return relay_call(args.gateway, args.caller)

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


def relay_call(gateway: Optional[str], caller: str, ask: Callable[[str], str] = input,
               show: Callable[[str], None] = print) -> int:
    """One call in the relay mode, typed in the terminal."""
    from devtools.serve import serve
    from telephony.relay_client import RelayCall

    served = None
    if gateway:
        token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            show("TWILIO_AUTH_TOKEN must be set (the same as the gateway's) to sign requests.")
            return 2
        public = os.environ.get("TWILIO_PUBLIC_BASE_URL") or gateway
        http_url = gateway
    else:
        logging.basicConfig(level=logging.WARNING, format="[gateway log] %(message)s")
        app, token, public = in_process_gateway(voice_mode="relay")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines between the turns
        served = serve(app)
        http_url = served.http_url
    call = RelayCall(http_transport(http_url), token, public,
                     http_url.replace("https://", "wss://").replace("http://", "ws://"), caller=caller)
    try:
        show(f"[relay call {call.call_sid} from {caller}]")
        show(f"assistant: {call.start()}")
        last_tokens: list[str] = []
        while True:
            try:
                line = ask("you> ").strip()
            except EOFError:
                line = "/hangup"
            if line in ("/hangup", "/quit", "/auflegen"):
                call.hang_up()
                show("[you hang up]")
                return 0
            if line.startswith(">"):
                count, _, line = line[1:].partition(" ")
                heard = "".join(last_tokens[: int(count or 1)]).strip()
                call.interrupt(heard)
                show(f"[you cut in after: {heard}]")
            keys = line.replace(" ", "")
            if keys and all(key in "0123456789*#" for key in keys):
                reply = call.press(keys)
            else:
                reply = call.say(line)
            last_tokens = reply.tokens
            if reply.text:
                show(f"assistant: {reply.text}")
            if reply.end is not None:
                show(f"[the relay session ends: {reply.end}]")
                call.close()
                root = call.connect_action(reply.end)
                for text in spoken(root):
                    show(f"assistant: {text}")
                dial = root.find("Dial")
                if dial is not None:
                    show(f"[transfer to {(dial.findtext('Number') or dial.findtext('Sip') or '').strip()}; "
                         "no real call is placed in the simulator]")
                return 0
    finally:
        call.close()
        if served is not None:
            served.stop()


if __name__ == "__main__":
    sys.exit(main())
