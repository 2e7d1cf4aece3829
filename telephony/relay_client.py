"""Twilio's side of ConversationRelay, for tests, the benchmark and `make call MODE=relay`.

A `RelayCall` posts the signed `/voice/incoming` webhook (telephony/simulator.py's phone),
reads `<Connect action><ConversationRelay url welcomeGreeting>` from the TwiML, opens the
socket with an `X-Twilio-Signature` over the wss:// URL (as Twilio signs the handshake: the
URL, no parameters), sends `setup`, then the caller's `prompt`, `dtmf` and `interrupt`
messages, and collects the `text` tokens of each answer up to `last: true` or an `end`. After
an `end` it posts the `<Connect action>` webhook with `HandoffData`, as Twilio does.

`connect_to` is where the socket really is (the TwiML names the public URL, which a test or a
local stack does not listen on).
"""
from __future__ import annotations

import json
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

import websocket
from twilio.request_validator import RequestValidator

from telephony.simulator import Exchange, SignedPhone, Transport, spoken


@dataclass
class RelayReply:
    """What came back for one message: the tokens (filler included), and an `end` if one came."""

    tokens: list[str] = field(default_factory=list)
    end: Optional[dict[str, Any]] = None          # handoffData, read as JSON ({} without)
    first_token_seconds: Optional[float] = None   # from our message to the first text token
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "".join(self.tokens).strip()


class RelayRefused(Exception):
    """The gateway refused the socket (handshake) or did not answer with ConversationRelay."""


@dataclass
class RelayCall:
    transport: Transport
    auth_token: str
    public_base_url: str
    connect_to: str                          # e.g. ws://127.0.0.1:8000 (scheme and host only)
    caller: str = "+491701234567"
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    timeout: float = 30.0
    signature: Optional[str] = None          # a forged one, for tests
    greeting: str = ""
    action_url: str = ""
    socket_url: str = ""
    incoming: Optional[Exchange] = None
    action_answer: Optional[ET.Element] = None
    _ws: Any = None

    # --- start -------------------------------------------------------------------------

    def start(self) -> str:
        """Incoming webhook, then the socket and `setup`; returns the welcome greeting."""
        phone = self.phone()
        self.incoming = phone.incoming()
        root = self.incoming.root
        relay = root.find("./Connect/ConversationRelay") if root is not None else None
        if root is None or relay is None:
            raise RelayRefused(f"no ConversationRelay in the answer to /voice/incoming: {spoken(root)}")
        connect = root.find("./Connect")
        self.action_url = connect.get("action", "") if connect is not None else ""
        self.socket_url = relay.get("url", "")
        self.greeting = relay.get("welcomeGreeting", "")
        self.open()
        self._send({
            "type": "setup", "sessionId": "VX" + uuid.uuid4().hex, "accountSid": "AC" + "0" * 32,
            "parentCallSid": "", "callSid": self.call_sid, "from": self.caller, "to": "+4940115",
            "forwardedFrom": "", "callType": "PSTN", "callerName": "", "direction": "inbound",
            "callStatus": "RINGING", "customParameters": {},
        })
        return self.greeting

    def phone(self) -> SignedPhone:
        return SignedPhone(self.transport, self.auth_token, self.public_base_url, caller=self.caller,
                           call_sid=self.call_sid)

    def open(self) -> None:
        signature = self.signature
        if signature is None:
            signature = RequestValidator(self.auth_token).compute_signature(self.socket_url, {})
        parts = urlsplit(self.socket_url)
        target = self.connect_to.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            self._ws = websocket.create_connection(target, timeout=self.timeout,
                                                   header=[f"X-Twilio-Signature: {signature}"])
        except websocket.WebSocketBadStatusException as refused:
            raise RelayRefused(f"handshake refused: {refused.status_code}") from refused

    # --- the caller's side -----------------------------------------------------------------

    def say(self, words: str) -> RelayReply:
        return self._exchange({"type": "prompt", "voicePrompt": words, "lang": "de-DE", "last": True})

    def press(self, keys: str) -> RelayReply:
        """Keys one `dtmf` message each; the answer to the last one."""
        for key in keys[:-1]:
            self._send({"type": "dtmf", "digit": key})
        return self._exchange({"type": "dtmf", "digit": keys[-1]})

    def wait(self) -> RelayReply:
        """Say nothing: what the gateway sends on its own (after a silence)."""
        return self._exchange(None)

    def interrupt(self, heard: str, after_ms: int = 1500) -> None:
        """The caller cut in after hearing `heard` (no answer expected: the prompt follows)."""
        self._send({"type": "interrupt", "utteranceUntilInterrupt": heard, "durationUntilInterruptMs": after_ms})

    def error(self, description: str) -> None:
        self._send({"type": "error", "description": description})

    def hang_up(self) -> None:
        self.close()
        self.phone().hang_up()

    def close(self) -> None:
        if self._ws is not None:
            try:
                self._ws.close()
            finally:
                self._ws = None

    def connect_action(self, handoff: Optional[dict[str, Any]] = None, status: str = "completed",
                       **extra: str) -> ET.Element:
        """Twilio's request to the <Connect action> URL after the session ended."""
        fields = {"SessionStatus": status, "SessionId": "VX" + "0" * 32, **extra}
        if handoff:
            fields["HandoffData"] = json.dumps(handoff)
        exchange = self.phone().post(self.action_url or "/voice/relay/action", **fields)
        if exchange.root is None:
            raise RelayRefused(f"the <Connect action> webhook answered {exchange.status}")
        self.action_answer = exchange.root
        return exchange.root

    # --- the wire ------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        self._ws.send(json.dumps(message, ensure_ascii=False))

    def _exchange(self, message: Optional[dict[str, Any]]) -> RelayReply:
        started = time.perf_counter()
        if message is not None:
            self._send(message)
        reply = RelayReply()
        while True:
            raw = self._ws.recv()
            if not raw:
                raise RelayRefused("the socket closed without an answer")
            answer = json.loads(raw)
            if answer.get("type") == "text":
                if reply.first_token_seconds is None:
                    reply.first_token_seconds = time.perf_counter() - started
                reply.tokens.append(str(answer.get("token", "")))
                if answer.get("last"):
                    break
            elif answer.get("type") == "end":
                data = answer.get("handoffData")
                reply.end = json.loads(data) if data else {}
                break
        reply.seconds = time.perf_counter() - started
        return reply
