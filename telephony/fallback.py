"""TwiML for Twilio's "primary handler fails" URL that needs no gateway:
`python -m telephony.fallback [--out FILE]`.

When the whole gateway is down, its own /voice/fallback is down with it and Twilio would end
the call with an English error message. This prints a fixed TwiML document instead — a German
apology, a transfer to the hotline (TWILIO_HOTLINE_NUMBER), and if nobody answers, the advice to
call again or dial 115 — to be hosted apart from the gateway (a Twilio TwiML Bin, or any static
web server) and entered as the number's fallback URL (docs/telephony.md). It has no URL back to
the gateway and no personal data; regenerate it when the hotline number or the voice changes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from common.settings import Settings
from telephony.services import voice_config
from telephony.texts import load_messages
from telephony.twiml import TwimlBuilder


def fallback_twiml(settings: Settings) -> str:
    messages = load_messages()
    builder = TwimlBuilder(voice_config(settings))
    return builder.standalone_transfer([messages.get("technical_problem")], [messages.get("fallback_unanswered")])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    try:
        xml = fallback_twiml(Settings.from_env())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.out:
        args.out.write_text(xml + "\n", encoding="utf-8")
    else:
        print(xml)
    return 0


if __name__ == "__main__":
    sys.exit(main())
