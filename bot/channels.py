"""Two small REST input channels, `voice` and `webchat`.

Rasa picks a response variation by the *output* channel's name. Rasa's plain REST channel
always answers through a collector named "collector", so a `channel: voice` variant would
never be chosen. Each channel here answers through a collector carrying its own name, which
lets the domain hold a speech-friendly variant next to the chat one.

The request body is Rasa's REST protocol: {"sender", "message", "metadata"}.
"""
from __future__ import annotations

import inspect
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional

import structlog
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = structlog.get_logger()


class _NamedCollector(CollectingOutputChannel):
    channel_name = "collector"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name


class VoiceOutput(_NamedCollector):
    channel_name = "voice"


class WebchatOutput(_NamedCollector):
    channel_name = "webchat"


class _NamedRestInput(RestInput):
    output_class: type = _NamedCollector

    @classmethod
    def name(cls) -> str:
        return cls.output_class.channel_name

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", module.__name__ if module else None
        )

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            if not sender_id or text is None:
                return response.json({"error": "sender and message are required"}, status=400)
            collector = self.output_class()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=self.get_metadata(request),
                    )
                )
            except CancelledError:
                logger.error("channel.message.timeout", channel=self.name())
            except Exception:  # the gateway turns a failed turn into a German apology
                logger.exception("channel.message.failure", channel=self.name())
                return response.json({"error": "processing failed"}, status=500)
            return response.json(collector.messages)

        return webhook


class VoiceInput(_NamedRestInput):
    output_class = VoiceOutput


class WebchatInput(_NamedRestInput):
    output_class = WebchatOutput
