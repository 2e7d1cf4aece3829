"""The editable catalogue: every key others rely on, plausible data, strict loading."""
from __future__ import annotations

import shutil
from datetime import time

import pytest

from booking_adapter.catalogue import DATA_DIR, CatalogueError, default_catalogue, load_catalogue

SERVICES = {"personalausweis", "reisepass", "express_reisepass", "kinderreisepass",
            "vorlaeufiger_personalausweis", "ausweis_verlust", "wohnsitz_anmelden", "wohnsitz_abmelden",
            "meldebescheinigung", "fuehrungszeugnis", "eid_pin", "aufenthaltstitel"}
LOCATIONS = {"hamburg_mitte", "altona", "bergedorf", "billstedt", "blankenese", "eimsbuettel", "lokstedt",
             "barmbek", "fuhlsbuettel", "harburg", "wilhelmsburg", "wandsbek", "rahlstedt", "bramfeld",
             "alstertal", "volksdorf", "finkenwerder"}
DISTRICTS = {"mitte", "altona", "eimsbuettel", "nord", "wandsbek", "bergedorf", "harburg"}


def test_every_key_the_dialogue_uses_exists():
    catalogue = default_catalogue()
    assert set(catalogue.services) == SERVICES
    assert set(catalogue.locations) == LOCATIONS


def test_services_carry_german_facts_for_citizens():
    for service in default_catalogue().services.values():
        assert service.name and service.documents and service.synonyms
        assert "Euro" in service.fee or "gebührenfrei" in service.fee
        assert service.duration_minutes % 5 == 0
    services = default_catalogue().services
    assert services["personalausweis"].fee.startswith("37,00 Euro")
    for online in ("fuehrungszeugnis", "meldebescheinigung", "wohnsitz_abmelden"):
        assert services[online].online_url.startswith("https://") and services[online].online_note


def test_locations_keep_the_service_promise_of_eight_to_eighteen():
    for key, location in default_catalogue().locations.items():
        assert location.location.district in DISTRICTS
        assert location.counters >= 1 and location.location.address
        if location.location.mobile_team:
            assert set(location.hours) == {1, 3}
            continue
        for weekday in range(5):
            intervals = location.hours[weekday]
            assert intervals[0].start <= time(8) and intervals[-1].end >= time(18), key
    saturdays = {k for k, definition in default_catalogue().locations.items() if 5 in definition.hours}
    assert saturdays == {"hamburg_mitte"}


def test_sources_and_dates_are_recorded():
    sources = default_catalogue().sources
    assert set(sources) == {"services", "locations", "calendar"}
    assert all("2026-11" in text for text in sources.values())


def _copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    return folder


def test_a_copy_of_the_data_loads_the_same(tmp_path):
    assert load_catalogue(_copy(tmp_path)).locations.keys() == default_catalogue().locations.keys()


@pytest.mark.parametrize("old,new", [
    ("duration_minutes: 20", "duration_minutes: 22"),
    ('source: >-', 'unrelated: >-'),
    ('mon: ["08:00-18:00"]', 'mon: ["18:00-08:00"]'),
    ('extra_services: [aufenthaltstitel]', 'extra_services: [zauberstab]'),
    ('tue: ["08:00-12:30", "13:00-18:00"]', 'tue: ["08:00-12:30", "12:00-18:00"]'),
])
def test_broken_data_is_refused_at_load_time(tmp_path, old, new):
    folder = _copy(tmp_path)
    for name in ("services.yml", "locations.yml"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            break
    else:
        raise AssertionError(f"{old!r} not found in the data")
    with pytest.raises((CatalogueError, KeyError)):
        load_catalogue(folder)
