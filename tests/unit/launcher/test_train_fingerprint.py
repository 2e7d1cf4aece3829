"""The model is retrained exactly when one of its inputs changed."""
from __future__ import annotations

import shutil

from launcher import train


def _project(tmp_path):
    for name in ("config.yml", "requirements/rasa.lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}\n")
    for folder in ("bot/domain", "data/nlu"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "bot/domain/intents.yml").write_text("intents: [greet]\n")
    (tmp_path / "data/nlu/greet.yml").write_text("nlu: []\n")
    return tmp_path


def test_the_fingerprint_is_stable_when_nothing_changed(tmp_path):
    root = _project(tmp_path)
    assert train.fingerprint(root) == train.fingerprint(root)


def test_editing_training_data_changes_the_fingerprint(tmp_path):
    root = _project(tmp_path)
    before = train.fingerprint(root)
    (root / "data/nlu/greet.yml").write_text("nlu: [changed]\n")
    assert train.fingerprint(root) != before


def test_adding_a_domain_file_changes_the_fingerprint(tmp_path):
    root = _project(tmp_path)
    before = train.fingerprint(root)
    (root / "bot/domain/more.yml").write_text("responses: {}\n")
    assert train.fingerprint(root) != before


def test_renaming_a_file_changes_the_fingerprint(tmp_path):
    root = _project(tmp_path)
    before = train.fingerprint(root)
    shutil.move(root / "data/nlu/greet.yml", root / "data/nlu/hello.yml")
    assert train.fingerprint(root) != before


def test_a_model_without_a_matching_stamp_is_not_current(tmp_path, monkeypatch):
    root = _project(tmp_path)
    monkeypatch.setattr(train, "ROOT", root)
    model = root / "models" / "terminassistent.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    monkeypatch.setattr(train, "fingerprint", lambda root=root: "abc")
    assert not train.model_is_current(model)
    train.fingerprint_file(model).write_text("abc")
    assert train.model_is_current(model)
