"""Spoken length of every phone turn that a test or evaluation run recorded.

    PHONE_SPOKEN_LOG=var/spoken.jsonl make test-e2e        # or make eval-dialogues
    .venv/bin/python -m eval.phone.lengths var/spoken.jsonl [--longest 10] [--targets]

Each line of the log is one webhook answer (telephony.simulator records it); a turn is
everything that answer speaks. Prints p50 / p95 / max seconds per turn and the longest turns.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.phone.spoken import TARGET_MAX_SECONDS, TARGET_P95_SECONDS, percentile, summary, turn_seconds


def load_turns(paths: list[Path]) -> list[list[str]]:
    turns = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            says = [text for text in json.loads(line).get("says", []) if text.strip()]
            if says:
                turns.append(says)
    return turns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", type=Path)
    parser.add_argument("--longest", type=int, default=10)
    parser.add_argument("--targets", action="store_true", help="exit 1 above p95 12 s or max 20 s")
    args = parser.parse_args(argv)
    turns = load_turns(args.logs)
    measured = sorted(((turn_seconds(says), says) for says in turns), key=lambda item: -item[0])
    values = [value for value, _ in measured]
    print(f"spoken length per phone turn (espeak-ng de, 150 wpm): {summary(values)}")
    for value, says in measured[: args.longest]:
        print(f"  {value:5.1f} s  {' | '.join(says)}")
    missed = percentile(values, 0.95) > TARGET_P95_SECONDS or max(values, default=0) > TARGET_MAX_SECONDS
    if args.targets and missed:
        print(f"TARGET MISSED: p95 <= {TARGET_P95_SECONDS:g} s and max <= {TARGET_MAX_SECONDS:g} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
