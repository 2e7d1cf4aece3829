"""No slot fits the wish: the nearest alternatives, never a dead end."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from rasa_sdk.executor import CollectingDispatcher

from actions.offers import ActionAskChosenSlot, alternative_queries, nearest_alternatives
from booking_adapter.port import Slot, SlotQuery
from common.clock import BERLIN
from tests.unit.actions.conftest import make_tracker, responses

WISH = SlotQuery(service_keys=("personalausweis",), location_keys=("altona",), earliest=date(2026, 12, 1),
                 latest=date(2026, 12, 1), time_from=time(8), time_to=time(12), limit=3)


def _slot(place: str, day: int, hour: int) -> Slot:
    start = datetime(2026, 12, day, hour, tzinfo=BERLIN)
    return Slot(place, place.title(), start, start + timedelta(minutes=15), ("personalausweis",))


def test_each_alternative_changes_one_wish():
    other_time, later_days, other_place = alternative_queries(WISH)
    assert (other_time.time_from, other_time.earliest, other_time.location_keys) == (None, WISH.earliest, ("altona",))
    assert later_days.earliest == date(2026, 12, 2) and later_days.time_from == time(8)
    assert later_days.location_keys == ("altona",)
    assert other_place.location_keys is None and other_place.earliest == WISH.earliest
    assert other_place.time_to == time(12)


def test_a_few_of_each_kind_the_named_place_first_then_earliest_without_duplicates():
    def find(query: SlotQuery) -> list[Slot]:
        if query.location_keys is None:  # other place, same morning
            return [_slot("bergedorf", 1, 9), _slot("bergedorf", 1, 10)][: query.limit]
        if query.time_from is None:  # Altona in the afternoon
            return [_slot("altona", 1, 15), _slot("altona", 1, 16)][: query.limit]
        return [_slot("altona", 2, 9)][: query.limit]  # Altona the next morning

    found = nearest_alternatives(find, WISH)
    # the place the citizen named counts more than the day: its other days come first
    assert [(s.location_key, s.start.day, s.start.hour) for s in found] == [
        ("altona", 1, 15), ("altona", 2, 9), ("bergedorf", 1, 9)]


def test_a_closed_saturday_gets_other_days_and_other_places(booking):
    slots = {"service": "personalausweis", "location": "altona", "when": "Samstag vormittags"}
    dispatcher = CollectingDispatcher()
    events = ActionAskChosenSlot().run(dispatcher, make_tracker(slots), {})
    offers = next(e["value"] for e in events if e["name"] == "offered_slots")
    assert responses(dispatcher) == ["utter_offer_slots_alternative"]
    places = {offer["location_key"] for offer in offers}
    days = {datetime.fromisoformat(offer["start"]).date() for offer in offers}
    assert "altona" in places and len(places) > 1, "another day in Altona and another place"
    assert date(2026, 11, 28) in days, "another place open on the wished Saturday"
    assert all(datetime.fromisoformat(o["start"]).hour < 12 for o in offers), "the time of day kept"


def test_any_day_at_eight_keeps_the_hour_and_drops_only_the_days():
    from actions.offers import build_query
    from common.clock import BERLIN
    from german.dates import parse_when

    now = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)
    query = build_query("personalausweis", None, parse_when("um acht uhr morgens egal an welchem tag", now), 3, "phone")
    assert query.earliest is None and query.latest is None
    assert query.time_from == time(8) and query.time_to == time(9)
