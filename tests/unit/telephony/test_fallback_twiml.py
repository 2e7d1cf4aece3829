"""The fixed fallback TwiML (telephony/fallback.py): works with the gateway down."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from common.settings import Settings
from telephony.fallback import fallback_twiml, main


def _settings(**env: str) -> Settings:
    return Settings.from_env({"TWILIO_HOTLINE_NUMBER": "+4940115", "TWILIO_PUBLIC_BASE_URL": "https://gw.example",
                              **env})


def test_it_apologises_in_german_dials_the_hotline_and_ends_politely_if_nobody_answers():
    root = ET.fromstring(fallback_twiml(_settings()))
    assert [child.tag for child in root] == ["Say", "Dial", "Say", "Hangup"]
    first, _, last, _ = list(root)
    assert all(say.get("language") == "de-DE" for say in root.iter("Say"))
    assert "technisches Problem" in "".join(first.itertext())
    assert "115" in "".join(last.itertext()) and "Auf Wiederhören" in "".join(last.itertext())
    assert root.find("Dial/Number").text == "+4940115"


def test_nothing_points_back_to_the_gateway():
    xml = fallback_twiml(_settings())
    assert "gw.example" not in xml and "/voice/" not in xml
    root = ET.fromstring(xml)
    assert all(element.get(name) is None for element in root.iter() for name in ("action", "url", "statusCallback"))


def test_a_sip_hotline_is_dialled_as_sip():
    root = ET.fromstring(fallback_twiml(_settings(TWILIO_HOTLINE_NUMBER="sip:hotline@pbx.example")))
    assert root.find("Dial/Sip").text == "sip:hotline@pbx.example"


def test_without_a_hotline_the_command_refuses_instead_of_writing_a_dead_end(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("TWILIO_HOTLINE_NUMBER", raising=False)
    assert main(["--out", str(tmp_path / "fallback.xml")]) == 2
    assert "TWILIO_HOTLINE_NUMBER" in capsys.readouterr().err
    assert not (tmp_path / "fallback.xml").exists()


def test_the_command_writes_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TWILIO_HOTLINE_NUMBER", "+4940115")
    assert main(["--out", str(tmp_path / "fallback.xml")]) == 0
    assert ET.fromstring((tmp_path / "fallback.xml").read_text(encoding="utf-8")).find("Dial") is not None


@pytest.mark.parametrize("voice", ["alice", "Polly.Vicki-Neural"])
def test_the_configured_voice_is_used(voice):
    root = ET.fromstring(fallback_twiml(_settings(TWILIO_VOICE=voice)))
    assert {say.get("voice") for say in root.iter("Say")} == {voice}
