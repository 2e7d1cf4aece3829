"""The phone wording check: every text a caller can hear is synthesised (espeak-ng, German,
150 words per minute) and measured (sox), with the catalogue's longest values filled in.

What the phone speaks of a domain response is its `channel: voice` variant, else its default
text; the gateway's own sentences come from telephony/messages_de.yml. None may take longer
than the turn budget (15 s), and a whole offer turn, composed as the action composes it for
the worst case (three offers on three days in three places), must stay inside it too.
The longest texts are printed, so a new long prompt is seen before a caller hears it.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from actions.spoken_offers import fitting, render, spoken_messages, voice_template
from booking_adapter.catalogue import load_catalogue
from eval.phone.spoken import TURN_BUDGET_SECONDS, seconds, tools_present, turn_seconds
from german.formatting import day_text, spoken_code, spoken_phone, spoken_place

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = ROOT / "bot" / "domain"
GATEWAY_MESSAGES = ROOT / "telephony" / "messages_de.yml"
NOT_SPOKEN = re.compile(r"^sms_")  # SMS texts are read, not heard
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _domain_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return responses


def _longest_values() -> dict[str, str]:
    """The longest value each placeholder can take, from the catalogue where it has one."""
    catalogue = load_catalogue()
    services = list(catalogue.services.values())
    locations = list(catalogue.locations.values())
    longest = lambda values: max(values, key=len)  # noqa: E731
    long_day = day_text(date(2026, 9, 24))  # "Donnerstag, 24. September"
    location_name = longest([location.location.name for location in locations])
    return {
        "slot_day": long_day, "deadline": long_day, "day": long_day, "example_day": "24. September",
        "first_reading": long_day, "second_reading": long_day, "callback_from": f"{long_day} ab 8 Uhr",
        "slot_time": "10:30", "time": "10:30", "slot_time_spoken": "10 Uhr 30",
        "location_name": location_name, "location": location_name,
        "place_spoken": longest([spoken_place(location.location.name) for location in locations]),
        "at_place": " in " + longest([spoken_place(location.location.name) for location in locations]),
        "service_name": longest([service.name for service in services]),
        "documents": longest([", ".join(service.documents) for service in services]),
        "online_note": longest([service.online_note or "" for service in services]),
        "online_url": longest([service.online_url or "" for service in services]),
        "fee": longest([str(service.fee or "") for service in services]),
        "booking_code": "K7M-4TX", "booking_code_spoken": spoken_code("K7M-4TX"), "code": spoken_code("K7M-4TX"),
        "phone_spoken": spoken_phone("+4917612345678"), "callback_phone_shown": "0176 12345678",
        "heard": spoken_phone("+4917612345678"), "person_name": "Karl-Heinz von der Heide-Meyer",
        "callback_window": "morgen vormittag", "time_wish": "zwischen zwölf und ein Uhr", "hours": "8 Uhr bis 12 Uhr 30 und 13 Uhr bis 18 Uhr",
        "count": "3", "number": "3", "title": "Personalausweis beantragen", "reference": "4, 2, 7",
        "options": f"{long_day} um 10 Uhr 30 oder {long_day} um 11 Uhr",
        "service_spoken": longest([service.spoken_name or service.name for service in services]),
        "documents_first": longest([", ".join(service.documents[:3]) for service in services]),
    }


def _spoken_texts() -> list[tuple[str, str]]:
    values = _longest_values()
    texts = []
    for name, variants in _domain_responses().items():
        for variant in variants:
            if variant.get("channel") not in (None, "voice"):
                continue
            if variant.get("channel") is None and any(v.get("channel") == "voice" for v in variants):
                continue  # the phone uses the voice variant
            template = str(variant.get("text") or "")
            texts.append((f"domain {name}", template))
    for key, template in yaml.safe_load(GATEWAY_MESSAGES.read_text(encoding="utf-8")).items():
        if not NOT_SPOKEN.match(key):
            texts.append((f"gateway {key}", str(template)))
    missing = {name for _, template in texts for name in PLACEHOLDER.findall(template)} - set(values)
    assert not missing, f"no sample value for the placeholders {sorted(missing)}: add one above"
    return [(label, render(template, values)) for label, template in texts]


@pytest.fixture(scope="module")
def measured() -> list[tuple[float, str, str]]:
    assert tools_present(), "espeak-ng and sox are needed: scripts/install_speech_tools.sh (make test installs them)"
    return sorted(((seconds(text), label, text) for label, text in _spoken_texts()), reverse=True)


def test_no_phone_text_takes_longer_than_the_turn_budget(measured, capsys):
    with capsys.disabled():
        print(f"\nphone wording check: {len(measured)} texts, the longest (budget {TURN_BUDGET_SECONDS:g} s):")
        for value, label, text in measured[:8]:
            print(f"  {value:5.1f} s  {label}: {text[:110]}")
    too_long = [(round(value, 1), label) for value, label, _ in measured if value > TURN_BUDGET_SECONDS]
    assert not too_long, f"above {TURN_BUDGET_SECONDS:g} s: {too_long}"
    assert len(measured) > 100, "every response and gateway text is measured"


def test_the_worst_offer_turn_fits_the_budget_with_the_offers_the_action_keeps():
    domain = {"responses": _domain_responses()}
    catalogue = load_catalogue()
    names = sorted((location.location.name for location in catalogue.locations.values()), key=len)[-3:]
    offers = [
        {"start": f"2026-09-{day}T10:30:00+02:00", "day": day_text(date(2026, 9, day)),
         "location_name": name}
        for day, name in zip((23, 24, 25), names)
    ]
    kept = fitting(domain, offers, alternative=True, budget=12.5)
    assert 1 <= kept <= 3
    said = [render(voice_template(domain, response), values) for response, values in spoken_messages(offers[:kept], True)]
    assert turn_seconds(said) <= TURN_BUDGET_SECONDS, said


def test_offers_on_one_day_in_one_place_say_the_day_and_the_place_once():
    domain = {"responses": _domain_responses()}
    offers = [{"start": f"2026-09-24T{hour:02d}:00:00+02:00", "day": "Donnerstag, 24. September",
               "location_name": "Hamburg Service vor Ort Wandsbek"} for hour in (8, 10, 14)]
    kept = fitting(domain, offers, alternative=False, budget=12.5)
    assert kept >= 2
    said = [render(voice_template(domain, response), values) for response, values in spoken_messages(offers[:kept], False)]
    words = " ".join(said)
    assert words.count("Wandsbek") == 1 and words.count("September") == 1 and "weitere Termine" in words
    assert turn_seconds(said) <= 13.0, said
