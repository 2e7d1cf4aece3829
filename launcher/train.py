"""Train the Rasa model only when its inputs changed.

The fingerprint covers config.yml, the domain, the training data and the Rasa lock file.
It is stored next to the model; an unchanged fingerprint means the model is reused.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from launcher.stack import MODEL, ROOT

INPUTS = ("config.yml", "bot/domain", "data", "requirements/rasa.lock")


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def fingerprint_file(model: Path = MODEL) -> Path:
    return model.with_suffix("").with_suffix(".fingerprint")


def model_is_current(model: Path = MODEL) -> bool:
    stamp = fingerprint_file(model)
    return model.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint()


def train(model: Path = MODEL, force: bool = False) -> bool:
    """Returns True when a model was trained, False when the existing one was reused.

    An exclusive file lock serialises concurrent `make train` runs (parallel test tiers or
    developers): the second waits and then finds the model current instead of training twice.
    """
    model.parent.mkdir(parents=True, exist_ok=True)
    with open(model.parent / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train_locked(model, force)


def _train_locked(model: Path, force: bool) -> bool:
    if not force and model_is_current(model):
        print(f"· model is up to date ({model.relative_to(ROOT)}), not training")
        return False
    # taken before training: data edited during a run must make the next run train again
    inputs = fingerprint()
    print("· training the Rasa model (config, domain or data changed) ...", flush=True)
    started = time.monotonic()
    env = dict(os.environ, SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=str(ROOT))
    command = [
        str(ROOT / ".venv-rasa" / "bin" / "rasa"), "train",
        "--config", "config.yml", "--domain", "bot/domain", "--data", "data",
        "--out", str(model.parent), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
        "--force",
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    fingerprint_file(model).write_text(inputs)
    print(f"· trained in {time.monotonic() - started:.0f} s", flush=True)
    return True


if __name__ == "__main__":
    train(force="--force" in sys.argv)
