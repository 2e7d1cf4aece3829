"""Questions answered from the booking port's catalogue: hours, documents, fees, online, walk-in."""
from __future__ import annotations

import abc
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import wiring
from actions.conversation import service_words
from booking_adapter.port import Service, UnknownLocation, UnknownService
from german.dates import parse_when
from german.formatting import day_text, hours_text


def _service(tracker: Tracker) -> Optional[Service]:
    key = next(tracker.get_latest_entity_values("service"), None) or tracker.get_slot("service")
    if not key:
        return None
    try:
        return wiring.current().booking.service(key)
    except UnknownService:
        return None


class _ServiceQuestion(Action, abc.ABC):
    """Answers a question about one service; asks which service if none was named."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        service = _service(tracker)
        if service is None:
            dispatcher.utter_message(response="utter_which_service_question")
            return []
        self.answer(dispatcher, service)
        return []

    @abc.abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, service: Service) -> None: ...


class ActionAnswerDocuments(_ServiceQuestion):
    def name(self) -> str:
        return "action_answer_documents"

    def answer(self, dispatcher, service):
        dispatcher.utter_message(
            response="utter_documents", **service_words(service), documents=", ".join(service.documents)
        )


class ActionAnswerFees(_ServiceQuestion):
    def name(self) -> str:
        return "action_answer_fees"

    def answer(self, dispatcher, service):
        dispatcher.utter_message(response="utter_fee", **service_words(service), fee=service.fee)


class ActionAnswerOnline(_ServiceQuestion):
    def name(self) -> str:
        return "action_answer_online"

    def answer(self, dispatcher, service):
        if service.online_url:
            dispatcher.utter_message(
                response="utter_online_possible",
                **service_words(service),
                online_note=service.online_note or "",
                online_url=service.online_url,
            )
        else:
            dispatcher.utter_message(response="utter_online_not_possible", **service_words(service))


class ActionAnswerWalkIn(_ServiceQuestion):
    def name(self) -> str:
        return "action_answer_walk_in"

    def answer(self, dispatcher, service):
        if service.walk_in or service.express:
            dispatcher.utter_message(response="utter_walk_in_possible", **service_words(service))
        else:
            dispatcher.utter_message(response="utter_walk_in_not_possible", **service_words(service))


class ActionAnswerOpeningHours(Action):
    """Opening hours of a place on a day ('heute' unless the person names one)."""

    def name(self) -> str:
        return "action_answer_opening_hours"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        services = wiring.current()
        key = next(tracker.get_latest_entity_values("location"), None) or tracker.get_slot("location")
        try:
            location = services.booking.location(key) if key and key != "egal" else None
        except UnknownLocation:
            location = None
        if location is None:
            dispatcher.utter_message(response="utter_which_location_question")
            return []
        now = services.clock()
        when = parse_when((tracker.latest_message or {}).get("text") or "", now)
        day = when.first_day if when and not when.in_past else now.date()
        if when and when.weekdays and day.weekday() not in when.weekdays:
            day = next(d for d in (day.fromordinal(day.toordinal() + i) for i in range(7))
                       if d.weekday() in when.weekdays)
        opening = services.booking.opening_day(location.key, day)
        if opening.is_open:
            dispatcher.utter_message(
                response="utter_opening_hours", location_name=location.name,
                day=day_text(day), hours=hours_text(opening.intervals),
            )
        else:
            dispatcher.utter_message(
                response="utter_closed_on_day", location_name=location.name, day=day_text(day)
            )
        return []
