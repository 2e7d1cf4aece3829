"""Finding and offering free slots: search through the port, hold what is offered."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import escalation, wiring
from actions.conversation import booking_channel, is_voice, offered, said_this_turn, service_words
from actions.manage_redirect import redirect_to_manage
from actions.spoken_offers import fitting, utter_offers
from actions.validation import ANY_LOCATION
from booking_adapter.port import HoldLimitReached, Slot, SlotQuery, SlotTaken
from common.clock import BERLIN
from german.dates import When, parse_when
from german.formatting import day_text, short_slot_text, time_text
from german.speech_length import estimate_seconds

EXACT_TIME_WINDOW = timedelta(hours=1)


def build_query(
    service_key: str, location: Optional[str], when: Optional[When], limit: int, channel: str
) -> SlotQuery:
    locations = None if location in (None, ANY_LOCATION) else (location,)
    if when is None:
        return SlotQuery(service_keys=(service_key,), location_keys=locations, limit=limit, channel=channel)
    time_from, time_to = when.time_from, when.time_to
    if when.exact_time is not None and time_from is None:
        # "um acht Uhr": that hour, not any time after it
        time_from = when.exact_time
        window_end = (datetime.combine(date.min, when.exact_time) + EXACT_TIME_WINDOW).time()
        time_to = time_to or (window_end if window_end > when.exact_time else time(23, 59))
    # "egal an welchem Tag, aber um acht": any day, but the time of day still counts
    return SlotQuery(
        service_keys=(service_key,),
        location_keys=locations,
        earliest=None if when.asap else when.first_day,
        latest=None if when.asap else when.last_day,
        weekdays=when.weekdays,
        time_from=time_from,
        time_to=time_to,
        limit=limit,
        channel=channel,
    )


def widened(query: SlotQuery) -> list[SlotQuery]:
    """Last resort when no near alternative exists: drop the wishes one after the other."""
    steps = [replace(query, time_from=None, time_to=None, weekdays=None)]
    if query.latest is not None:
        steps.append(replace(steps[-1], latest=query.latest + timedelta(days=14)))
        steps.append(replace(steps[-1], earliest=None, latest=None))
    if query.location_keys is not None:
        steps.append(replace(steps[-1], location_keys=None, earliest=None, latest=None))
    return steps


def alternative_queries(query: SlotQuery) -> list[SlotQuery]:
    """The nearest alternatives to a wish that nothing fits, one change at a time:
    another time of day on the wished days, the next days after the wished ones at the
    wished time, another place at the wished time."""
    queries = []
    if query.time_from is not None or query.time_to is not None:
        queries.append(replace(query, time_from=None, time_to=None))
    if query.latest is not None:
        queries.append(replace(query, earliest=query.latest + timedelta(days=1),
                               latest=query.latest + timedelta(days=14), weekdays=None))
    elif query.weekdays:
        queries.append(replace(query, weekdays=None))
    if query.location_keys is not None:
        queries.append(replace(query, location_keys=None))
    return queries


def nearest_alternatives(find_slots: Callable[[SlotQuery], list[Slot]], query: SlotQuery) -> list[Slot]:
    """A few slots from each kind of alternative, earliest first, no slot twice."""
    queries = alternative_queries(query)
    if not queries:
        return []
    each = max(1, -(-query.limit // len(queries)))
    found: dict[tuple[str, datetime], Slot] = {}
    for alternative in queries:
        for slot in find_slots(replace(alternative, limit=each)):
            found.setdefault((slot.location_key, slot.start), slot)
    # A place the citizen named counts more than the day: its other days come before other places.
    wished = set(query.location_keys or ())
    return sorted(found.values(), key=lambda slot: (bool(wished) and slot.location_key not in wished, slot.start))[
        : query.limit
    ]


def offer_entry(hold_id: str, slot: Slot) -> dict[str, Any]:
    local = slot.start.astimezone(BERLIN)
    return {
        "hold_id": hold_id,
        "start": local.isoformat(),
        "day": day_text(local.date()),
        "time": time_text(local),
        "location_key": slot.location_key,
        "location_name": slot.location_name,
    }


class ActionAskChosenSlot(Action):
    """Asks for the slot: searches, holds what it offers, and presents the offers."""

    def name(self) -> str:
        return "action_ask_chosen_slot"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        redirected = redirect_to_manage(tracker)
        if redirected is not None:
            return redirected
        offers = offered(tracker)
        if offers:
            misses = escalation.level(tracker, "chosen_slot")
            if misses == 1 and escalation.said_something_this_turn(tracker):
                return []  # the validator asked again in other words
            self._present(dispatcher, tracker, offers, alternative=False)
            return []

        services = wiring.current()
        voice = is_voice(tracker)
        channel = booking_channel(tracker)
        query = build_query(
            tracker.get_slot("service"),
            tracker.get_slot("location"),
            parse_when(tracker.get_slot("when") or "", services.clock()),
            services.offers_voice if voice else services.offers_chat,
            channel,
        )
        deadline = None
        if tracker.get_slot("move_in_date"):
            move_in = date.fromisoformat(tracker.get_slot("move_in_date"))
            deadline = services.booking.move_deadline(move_in, query.location_keys).deadline
            # The citizen's wish inside the legal window; a wish past the deadline gives way to it,
            # and the citizen is told so (never a silent change of what they asked for).
            if query.earliest and query.earliest > deadline:
                dispatcher.utter_message(response="utter_wish_after_deadline", deadline=day_text(deadline))
            earliest = query.earliest if query.earliest and query.earliest <= deadline else None
            latest = min(query.latest, deadline) if query.latest and earliest else deadline
            query = replace(query, earliest=earliest, latest=latest)
        slots = services.booking.find_slots(query)
        alternative = False
        if not slots:
            slots, alternative = nearest_alternatives(services.booking.find_slots, query), True
        for broader in widened(query):
            if slots:
                break
            slots = services.booking.find_slots(broader)

        if voice and slots:  # only what fits into one spoken turn is offered (and held)
            provisional = [offer_entry("", slot) for slot in slots]
            budget = services.voice_offer_budget_seconds - estimate_seconds(" ".join(said_this_turn(tracker)))
            slots = slots[: fitting(domain, provisional, alternative, budget)]

        services.booking.release_holds(tracker.sender_id)
        offers = []
        for slot in slots:
            try:
                hold = services.booking.hold(slot, tracker.sender_id, channel)
            except SlotTaken:
                continue
            except HoldLimitReached:
                break
            offers.append(offer_entry(hold.hold_id, slot))

        if not offers:
            service = services.booking.service(tracker.get_slot("service"))
            dispatcher.utter_message(response="utter_no_slots", **service_words(service))
            return [SlotSet("offered_slots", None)]
        if alternative and deadline is not None:
            if all(datetime.fromisoformat(offer["start"]).date() > deadline for offer in offers):
                dispatcher.utter_message(response="utter_move_deadline_missed", deadline=day_text(deadline))
                alternative = False
        self._present(dispatcher, tracker, offers, alternative)
        return [SlotSet("offered_slots", offers)]

    @staticmethod
    def _present(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        offers: list[dict[str, Any]],
        alternative: bool,
    ) -> None:
        response = "utter_offer_slots_alternative" if alternative else "utter_offer_slots"
        if is_voice(tracker):
            utter_offers(dispatcher, offers, alternative)
            return
        buttons = [
            {
                "title": short_slot_text(datetime.fromisoformat(offer["start"]), offer["location_name"]),
                "payload": f'/choose_option{{"ordinal":"{number}"}}',
            }
            for number, offer in enumerate(offers, start=1)
        ]
        dispatcher.utter_message(response=response, buttons=buttons)

