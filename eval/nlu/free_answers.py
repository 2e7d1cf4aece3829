"""Free answers the language model cannot know: booking codes and people's names.

Codes are random and names are countless, so the NLU has seen almost none of them. When it
reads one as "nein" (deny) or as off-topic, the domain's from_text mapping skips it (it must:
"nein" is no code and no name). The form validation then takes what is unmistakably a code or a
name (german/codes.py, german/names.py). This evaluation measures both steps on samples the
model never saw:

    .venv/bin/python eval/nlu/free_answers.py [--codes 600] [--seed 7]

  codes: random codes, each typed three ways (K7M-4TX, k7m4tx, k7m 4tx / K7M-4TX without digit)
  names: first names × surnames common in Hamburg (German, Turkish, Polish, Russian, Arabic,
         Vietnamese, Frisian), a fixed sample
Printed: how many the NLU alone would have let through to the slot, and how many are taken
with the form's own extraction. Needs the trained model (make train).
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from actions.validation import NAME_MISREAD_AS  # noqa: E402
from common.booking_code import ALPHABET  # noqa: E402
from german.codes import code_from_text, unmistakable_code  # noqa: E402
from german.names import name_in_answer  # noqa: E402

MODEL = ROOT / "models" / "terminassistent.tar.gz"


def skipped_intents(slot: str) -> set[str]:
    """The not_intent list of the slot's from_text mapping in bot/domain: answers under these
    intents never reach the slot through the domain."""
    for file in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        slots = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("slots") or {}
        for mapping in (slots.get(slot) or {}).get("mappings", []):
            if mapping.get("type") == "from_text":
                return set(mapping.get("not_intent", []))
    raise LookupError(f"no from_text mapping for {slot} in bot/domain")

FIRST = ["Anna", "Maria", "Ursula", "Monika", "Petra", "Elisabeth", "Sabine", "Renate", "Helga", "Karin", "Brigitte", "Ingrid", "Erika", "Andrea", "Gisela", "Claudia", "Susanne", "Gabriele", "Christa", "Hannelore", "Nina", "Nele", "Noah", "Nils", "Norbert", "Nadine", "Natalie", "Jana", "Jan", "Jonas", "Jürgen", "Joachim", "Klaus", "Michael", "Thomas", "Andreas", "Peter", "Wolfgang", "Hans", "Werner", "Uwe", "Günter", "Horst", "Frank", "Dieter", "Ayse", "Mehmet", "Fatma", "Mustafa", "Emine", "Ali", "Hatice", "Ahmet", "Zeynep", "Murat", "Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Olga", "Sergej", "Irina", "Dmitri", "Mohammed", "Fatima", "Omar", "Leila", "Ole", "Okke"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Neumann", "Nowak", "Nagel", "Naumann", "Jansen", "Jahn", "Yilmaz", "Kaya", "Demir", "Şahin", "Çelik", "Kowalski", "Wiśniewski", "Ivanov", "Petrov", "Nguyen", "Tran", "Ahmadi", "Haddad", "Hansen", "Petersen", "Ohlsen", "Noack", "Niemann", "Nolte"]


def code_samples(count: int, rng: random.Random) -> list[tuple[str, str]]:
    samples = []
    for _ in range(count):
        code = "".join(rng.choice(ALPHABET) for _ in range(3)) + "-" + "".join(rng.choice(ALPHABET) for _ in range(3))
        spaced = code.replace("-", " ") if any(ch.isdigit() for ch in code) else code
        samples += [(code, code), (code.replace("-", "").lower(), code), (spaced.lower(), code)]
    return samples


def name_samples(count: int, rng: random.Random) -> list[str]:
    names = [f"{first} {last}" for first, last in itertools.product(FIRST, LAST)]
    rng.shuffle(names)
    return names[:count]


def parse(texts: list[str]) -> list[dict]:
    done = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "eval" / "nlu" / "parse_texts.py"),
                           str(MODEL)], input="\n".join(texts) + "\n", capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"parsing failed:\n{done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def slot_by_nlu(parsed: dict, entity: str, skipped: set[str]) -> bool:
    """Would the domain's mappings fill the slot: the entity, or the text under an allowed intent?"""
    return any(e["entity"] == entity for e in parsed["entities"]) or parsed["intent"] not in skipped


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=600, help="random codes (each typed three ways)")
    parser.add_argument("--names", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print(f"no trained model at {MODEL}; run `make train`", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    codes, names = code_samples(args.codes, rng), name_samples(args.names, rng)
    parsed = parse([text for text, _ in codes] + names)
    code_parses, name_parses = parsed[:len(codes)], parsed[len(codes):]
    code_skips, name_skips = skipped_intents("manage_code"), skipped_intents("person_name")

    code_nlu = sum(slot_by_nlu(p, "booking_code", code_skips) and code_from_text(p["text"]) == code
                   for p, (_, code) in zip(code_parses, codes))
    code_taken = sum((slot_by_nlu(p, "booking_code", code_skips) and code_from_text(p["text"]) == code)
                     or unmistakable_code(p["text"]) == code for p, (_, code) in zip(code_parses, codes))
    name_nlu = sum(slot_by_nlu(p, "person_name", name_skips) for p in name_parses)
    name_taken = sum(slot_by_nlu(p, "person_name", name_skips)
                     or (p["intent"] in NAME_MISREAD_AS and name_in_answer(p["text"]) is not None)
                     for p in name_parses)
    blocked = sorted({p["text"] for p in name_parses if not slot_by_nlu(p, "person_name", name_skips)
                      and not (p["intent"] in NAME_MISREAD_AS and name_in_answer(p["text"]))})

    print(f"Free answers (model {MODEL.name}, seed {args.seed})")
    print(f"  booking codes  {len(codes)} answers ({args.codes} codes × 3 ways of typing): "
          f"NLU alone {code_nlu / len(codes):.1%}, with the form's extraction {code_taken / len(codes):.1%}")
    print(f"  names          {len(names)} answers: NLU alone {name_nlu / len(names):.1%}, "
          f"with the form's extraction {name_taken / len(names):.1%}")
    if blocked:
        print(f"  names still not taken ({len(blocked)}): {', '.join(blocked[:10])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
