"""Evaluate the NLU model of the Terminassistent.

Runs with the project's Python 3.11 venv and shells out to Rasa in its own venv:

    .venv/bin/python eval/nlu/evaluate.py                      # held-out set (eval/nlu/heldout)
    .venv/bin/python eval/nlu/evaluate.py --test-dir some/dir  # any folder of Rasa NLU YAML
    .venv/bin/python eval/nlu/evaluate.py --cross-validate config.yml eval/nlu/pipelines/*.yml
    .venv/bin/python eval/nlu/evaluate.py --check-data         # static checks of data/nlu

Held-out mode trains an NLU-only model into models/nlu-eval when its inputs (config, NLU data,
domain) changed since the last training, runs `rasa test nlu` and prints intent accuracy,
intent macro-F1, entity precision/recall/F1 (micro, token level as Rasa computes it) and the
most frequent confusions. Missed targets are printed as "TARGET MISSED" lines; the exit code is
0 unless Rasa itself fails.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]

INTENT_MACRO_F1_TARGET = 0.95
ENTITY_F1_TARGET = 0.90
NON_ENTITY_REPORTS = {"intent_report.json", "response_selection_report.json"}


# --------------------------------------------------------------------------- results parsing
@dataclass(frozen=True)
class Confusion:
    true_label: str
    predicted_label: str
    count: int


@dataclass(frozen=True)
class EntityScores:
    extractor: str
    precision: float
    recall: float
    f1: float
    support: int
    per_entity: dict[str, float] = field(default_factory=dict)
    confusions: tuple[Confusion, ...] = ()


@dataclass(frozen=True)
class NluScores:
    intent_accuracy: float
    intent_macro_f1: float
    intent_weighted_f1: float
    intent_support: int
    per_intent_f1: dict[str, float]
    intent_confusions: tuple[Confusion, ...]
    entities: tuple[EntityScores, ...]
    # (confidence, correct?) of every intent prediction, if Rasa wrote successes and errors
    intent_confidences: tuple[tuple[float, bool], ...] = ()

    @property
    def entity(self) -> Optional[EntityScores]:
        """The main entity extractor: DIETClassifier if present, else the first one."""
        for scores in self.entities:
            if scores.extractor == "DIETClassifier":
                return scores
        return self.entities[0] if self.entities else None


_AGGREGATE_KEYS = {"accuracy", "micro avg", "macro avg", "weighted avg"}


def _confusions(report: dict) -> list[Confusion]:
    pairs = []
    for label, row in report.items():
        if label in _AGGREGATE_KEYS or not isinstance(row, dict):
            continue
        for predicted, count in (row.get("confused_with") or {}).items():
            if count:
                pairs.append(Confusion(label, predicted, int(count)))
    return sorted(pairs, key=lambda c: (-c.count, c.true_label, c.predicted_label))


def _per_label_f1(report: dict) -> dict[str, float]:
    return {
        label: float(row["f1-score"])
        for label, row in report.items()
        if label not in _AGGREGATE_KEYS and isinstance(row, dict) and "f1-score" in row
    }


def parse_intent_report(report: dict) -> tuple[float, float, float, int, dict[str, float], list[Confusion]]:
    macro = report["macro avg"]
    weighted = report.get("weighted avg", macro)
    accuracy = report.get("accuracy")
    if accuracy is None:  # sklearn gives "micro avg" instead when labels were restricted
        accuracy = report["micro avg"]["f1-score"]
    return (
        float(accuracy),
        float(macro["f1-score"]),
        float(weighted["f1-score"]),
        int(macro["support"]),
        _per_label_f1(report),
        _confusions(report),
    )


def parse_entity_report(extractor: str, report: dict) -> EntityScores:
    micro = report.get("micro avg")
    if micro is None:  # all labels present: sklearn reports accuracy, Rasa copies it over
        acc = float(report["accuracy"])
        micro = {"precision": acc, "recall": acc, "f1-score": acc,
                 "support": report["macro avg"]["support"]}
    return EntityScores(
        extractor=extractor,
        precision=float(micro["precision"]),
        recall=float(micro["recall"]),
        f1=float(micro["f1-score"]),
        support=int(micro["support"]),
        per_entity=_per_label_f1(report),
        confusions=tuple(_confusions(report)),
    )


def read_scores(results_dir: Path) -> NluScores:
    intent_report = json.loads((results_dir / "intent_report.json").read_text(encoding="utf-8"))
    accuracy, macro_f1, weighted_f1, support, per_intent, confusions = parse_intent_report(intent_report)
    entities = []
    for path in sorted(results_dir.glob("*_report.json")):
        if path.name in NON_ENTITY_REPORTS:
            continue
        extractor = path.name[: -len("_report.json")]
        report = json.loads(path.read_text(encoding="utf-8"))
        if report:
            entities.append(parse_entity_report(extractor, report))
    confidences = []
    for name, correct in (("intent_successes.json", True), ("intent_errors.json", False)):
        path = results_dir / name
        if path.exists():
            for item in json.loads(path.read_text(encoding="utf-8")):
                confidences.append((float(item["intent_prediction"]["confidence"]), correct))
    return NluScores(accuracy, macro_f1, weighted_f1, support, per_intent, tuple(confusions), tuple(entities),
                     tuple(confidences))


FALLBACK_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def fallback_table(confidences: Iterable[tuple[float, bool]]) -> list[tuple[float, float, float]]:
    """Per threshold: share of correct predictions that would fall back, share of errors accepted."""
    confidences = list(confidences)
    right = [c for c, ok in confidences if ok]
    wrong = [c for c, ok in confidences if not ok]
    rows = []
    for threshold in FALLBACK_THRESHOLDS:
        lost = sum(c < threshold for c in right) / len(right) if right else 0.0
        accepted = sum(c >= threshold for c in wrong) / len(wrong) if wrong else 0.0
        rows.append((threshold, lost, accepted))
    return rows


def target_lines(scores: NluScores) -> list[str]:
    lines = []
    if scores.intent_macro_f1 >= INTENT_MACRO_F1_TARGET:
        lines.append(f"TARGET MET: intent macro-F1 {scores.intent_macro_f1:.3f} >= {INTENT_MACRO_F1_TARGET}")
    else:
        lines.append(f"TARGET MISSED: intent macro-F1 {scores.intent_macro_f1:.3f} < {INTENT_MACRO_F1_TARGET}")
    entity = scores.entity
    if entity is None:
        lines.append("TARGET MISSED: no entity report found (no annotated entities in the test set?)")
    elif entity.f1 >= ENTITY_F1_TARGET:
        lines.append(f"TARGET MET: entity F1 {entity.f1:.3f} >= {ENTITY_F1_TARGET} ({entity.extractor})")
    else:
        lines.append(f"TARGET MISSED: entity F1 {entity.f1:.3f} < {ENTITY_F1_TARGET} ({entity.extractor})")
    return lines


def format_scores(scores: NluScores, top: int = 10) -> str:
    out = [
        f"intent accuracy     {scores.intent_accuracy:.3f}  (n={scores.intent_support})",
        f"intent macro-F1     {scores.intent_macro_f1:.3f}",
        f"intent weighted-F1  {scores.intent_weighted_f1:.3f}",
    ]
    for entity in scores.entities:
        out.append(
            f"entities [{entity.extractor}]  P {entity.precision:.3f}  R {entity.recall:.3f}  "
            f"F1 {entity.f1:.3f}  (tokens={entity.support}, micro)"
        )
        out.append("  per entity F1: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(entity.per_entity.items())))
    weak = sorted((f1, name) for name, f1 in scores.per_intent_f1.items() if f1 < 0.9)
    if weak:
        out.append("intents with F1 < 0.90: " + ", ".join(f"{name} {f1:.2f}" for f1, name in weak))
    if scores.intent_confidences:
        out.append("fallback threshold: correct predictions falling back / wrong predictions accepted")
        out.append("  " + "  ".join(f"{t:.1f}: {lost:.0%}/{acc:.0%}" for t, lost, acc in fallback_table(scores.intent_confidences)))
    out.append("top intent confusions (true -> predicted: count):")
    out.extend(f"  {c.true_label} -> {c.predicted_label}: {c.count}" for c in scores.intent_confusions[:top])
    if not scores.intent_confusions:
        out.append("  none")
    entity = scores.entity
    if entity is not None and entity.confusions:
        out.append(f"top entity confusions [{entity.extractor}] (true -> predicted tokens):")
        out.extend(f"  {c.true_label} -> {c.predicted_label}: {c.count}" for c in entity.confusions[:top])
    return "\n".join(out)


# --------------------------------------------------------------------------- running Rasa
def rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["CUDA_VISIBLE_DEVICES"] = ""  # CPU only, reproducible
    env["RASA_TELEMETRY_ENABLED"] = "false"  # no network calls
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# Rasa's cross-validation draws its folds from numpy's global random state without a seed;
# seeding it before Rasa starts gives every pipeline the same folds.
_SEEDED_RASA = (
    "import random, sys, numpy; random.seed({seed}); numpy.random.seed({seed}); "
    "sys.argv[0] = 'rasa'; from rasa.__main__ import main; main()"
)


def run_rasa(rasa: Path, args: list[str], log_path: Optional[Path] = None, seed: Optional[int] = None) -> float:
    """Run a Rasa CLI command from the repository root; return the wall time in seconds."""
    if seed is None:
        cmd = [str(rasa), *args]
    else:
        cmd = [str(rasa.parent / "python"), "-c", _SEEDED_RASA.format(seed=int(seed)), *args]
    print("$ " + " ".join(cmd if seed is None else ["rasa", *args, f"(folds seeded with {seed})"]), flush=True)
    started = time.monotonic()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w", encoding="utf-8") as log:
            proc = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT, check=False)
    else:
        proc = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        hint = f" (log: {log_path})" if log_path else ""
        raise SystemExit(f"rasa {' '.join(args[:2])} failed with exit code {proc.returncode}{hint}")
    return elapsed


def _files(paths: Iterable[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml"})
        elif path.is_file():
            found.append(path)
    return sorted(found)


def _display(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in _files(paths):
        digest.update(_display(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def ensure_model(rasa: Path, config: Path, nlu: Path, domain: Path, model_dir: Path, force: bool) -> Path:
    """Train an NLU-only model unless one trained on identical inputs exists."""
    model = model_dir / "nlu.tar.gz"
    stamp = model_dir / "nlu.fingerprint"
    wanted = fingerprint([config, nlu, domain])
    if not force and model.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        print(f"model up to date: {_display(model)}")
        return model
    seconds = run_rasa(rasa, [
        "train", "nlu", "--config", str(config), "--nlu", str(nlu), "--domain", str(domain),
        "--out", str(model_dir), "--fixed-model-name", "nlu",
    ])
    stamp.write_text(wanted + "\n")
    print(f"training took {seconds:.0f} s")
    return model


def _clear_reports(out: Path) -> None:
    if out.is_dir():
        for pattern in ("*_report.json", "*_errors.json", "*_successes.json"):
            for path in out.glob(pattern):
                path.unlink()


def evaluate_heldout(args: argparse.Namespace) -> int:
    test_dir = Path(args.test_dir)
    if not _files([test_dir]):
        print(f"no test data in {test_dir}; pass --test-dir DIR", file=sys.stderr)
        return 2
    model = Path(args.model) if args.model else ensure_model(
        Path(args.rasa), Path(args.config), Path(args.nlu), Path(args.domain), Path(args.model_dir), args.force_train
    )
    out = Path(args.out)
    _clear_reports(out)
    run_rasa(Path(args.rasa), ["test", "nlu", "--nlu", str(test_dir), "--model", str(model),
                               "--out", str(out), "--no-plot", "--successes"])
    scores = read_scores(out)
    print()
    print(f"== NLU evaluation on {test_dir} ==")
    print(format_scores(scores, top=args.top))
    for line in target_lines(scores):
        print(line)
    return 0


def cross_validate(args: argparse.Namespace) -> int:
    rows = []
    base_out = Path(args.out if args.out != DEFAULT_HELDOUT_OUT else DEFAULT_CV_OUT)
    for config_arg in args.cross_validate:
        config = Path(config_arg)
        name = config.stem if config.name != "config.yml" or config.parent != ROOT else "config"
        out = base_out / name
        _clear_reports(out)
        seconds = run_rasa(Path(args.rasa), [
            "test", "nlu", "--nlu", str(args.nlu), "--config", str(config), "--cross-validation",
            "--folds", str(args.folds), "--out", str(out), "--no-plot", "--successes",
        ], log_path=out / "rasa.log", seed=args.cv_seed)
        train_seconds = None
        if args.time_train:
            with tempfile.TemporaryDirectory() as tmp:
                train_seconds = run_rasa(Path(args.rasa), [
                    "train", "nlu", "--config", str(config), "--nlu", str(args.nlu), "--domain", str(args.domain),
                    "--out", tmp,
                ], log_path=out / "train.log")
        scores = read_scores(out)
        print(f"\n== {config} ({args.folds}-fold cross-validation, {seconds:.0f} s) ==")
        print(format_scores(scores, top=args.top))
        entity = scores.entity
        rows.append({
            "config": _display(config),
            "folds": args.folds,
            "intent_accuracy": round(scores.intent_accuracy, 4),
            "intent_macro_f1": round(scores.intent_macro_f1, 4),
            "entity_precision": round(entity.precision, 4) if entity else None,
            "entity_recall": round(entity.recall, 4) if entity else None,
            "entity_f1": round(entity.f1, 4) if entity else None,
            "cv_seconds": round(seconds),
            "train_seconds": round(train_seconds) if train_seconds is not None else None,
        })
    base_out.mkdir(parents=True, exist_ok=True)
    (base_out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print("\n| config | intent acc | intent macro-F1 | entity P | entity R | entity F1 | CV time | train time |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        secs = lambda v: "–" if v is None else f"{v} s"  # noqa: E731
        print(f"| {r['config']} | {fmt(r['intent_accuracy'])} | {fmt(r['intent_macro_f1'])} | "
              f"{fmt(r['entity_precision'])} | {fmt(r['entity_recall'])} | {fmt(r['entity_f1'])} | "
              f"{secs(r['cv_seconds'])} | {secs(r['train_seconds'])} |")
    return 0


# --------------------------------------------------------------------------- static data check
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]*\}))")

# Same expression as Rasa 3.6's WhitespaceTokenizer (punctuation handling).
_TOKEN_SPLIT = re.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)

CANONICAL = {
    "service": {
        "personalausweis", "reisepass", "express_reisepass", "kinderreisepass",
        "vorlaeufiger_personalausweis", "ausweis_verlust", "wohnsitz_anmelden", "wohnsitz_abmelden",
        "meldebescheinigung", "fuehrungszeugnis", "eid_pin", "aufenthaltstitel",
    },
    "location": {
        "hamburg_mitte", "altona", "bergedorf", "billstedt", "blankenese", "eimsbuettel", "lokstedt",
        "barmbek", "fuhlsbuettel", "harburg", "wilhelmsburg", "wandsbek", "rahlstedt", "bramfeld",
        "alstertal", "volksdorf", "finkenwerder",
    },
    "district": {"mitte", "altona", "eimsbuettel", "nord", "wandsbek", "bergedorf", "harburg"},
    "ordinal": {"1", "2", "3", "4", "5"},
}


@dataclass
class Example:
    intent: str
    text: str
    entities: list[tuple[int, int, str, Optional[str]]]  # start, end, entity, explicit value
    source: str


def tokenize(text: str) -> list[tuple[int, int]]:
    """Token spans as Rasa's WhitespaceTokenizer would produce them (emoji removal aside)."""
    words = _TOKEN_SPLIT.sub(" ", text).split()
    spans, offset = [], 0
    for word in words:
        start = text.index(word, offset)
        spans.append((start, start + len(word)))
        offset = start + len(word)
    return spans


def parse_example(line: str) -> tuple[str, list[tuple[int, int, str, Optional[str]]]]:
    text, entities, pos = "", [], 0
    for match in _ANNOTATION.finditer(line):
        text += line[pos:match.start()]
        start = len(text)
        text += match.group("text")
        if match.group("json"):
            spec = json.loads(match.group("json"))
            entities.append((start, len(text), spec["entity"], spec.get("value")))
        else:
            entities.append((start, len(text), match.group("entity"), None))
        pos = match.end()
    text += line[pos:]
    return text, entities


def load_nlu(nlu_dir: Path) -> tuple[list[Example], dict[str, str], set[str], set[str]]:
    examples, synonyms, regex_names, lookup_names = [], {}, set(), set()
    for path in _files([nlu_dir]):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            lines = [line[2:].strip() for line in (item.get("examples") or "").splitlines() if line.strip().startswith("- ")]
            if "intent" in item:
                for line in lines:
                    text, entities = parse_example(line)
                    examples.append(Example(item["intent"], text, entities, path.name))
            elif "synonym" in item:
                for line in lines:
                    synonyms[line.lower()] = str(item["synonym"])
            elif "regex" in item:
                regex_names.add(item["regex"])
            elif "lookup" in item:
                lookup_names.add(item["lookup"])
    return examples, synonyms, regex_names, lookup_names


def load_domain(domain: Path) -> tuple[set[str], set[str]]:
    intents, entities = set(), set()
    for path in _files([domain]):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for intent in doc.get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
        for entity in doc.get("entities") or []:
            entities.add(entity if isinstance(entity, str) else next(iter(entity)))
    return intents, entities


def check_data(nlu_dir: Path, domain: Path) -> list[str]:
    """Return a list of problems; print statistics."""
    examples, synonyms, _, _ = load_nlu(nlu_dir)
    domain_intents, domain_entities = load_domain(domain)
    problems = []
    for surface, value in synonyms.items():
        if not any(value in values for values in CANONICAL.values()):
            problems.append(f"synonym {surface!r} -> {value!r}: not a canonical value")
    seen: dict[str, str] = {}
    for ex in examples:
        where = f"{ex.source} [{ex.intent}] {ex.text!r}"
        if ex.intent not in domain_intents:
            problems.append(f"{where}: intent not in domain")
        key = ex.text.lower().strip()
        if key in seen and seen[key] != ex.intent:
            problems.append(f"{where}: same text also under intent {seen[key]!r}")
        seen[key] = ex.intent
        spans = tokenize(ex.text)
        starts, ends = {s for s, _ in spans}, {e for _, e in spans}
        for start, end, entity, value in ex.entities:
            surface = ex.text[start:end]
            if entity not in domain_entities:
                problems.append(f"{where}: entity {entity!r} not in domain")
            if start not in starts or end not in ends:
                problems.append(f"{where}: {entity} span {surface!r} does not align with tokens")
            if entity in CANONICAL:
                mapped = value or synonyms.get(surface.lower(), surface.lower())
                if mapped not in CANONICAL[entity]:
                    problems.append(f"{where}: {entity} {surface!r} maps to {mapped!r}, not a canonical value")
    counts: dict[str, int] = {}
    entity_counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.intent] = counts.get(ex.intent, 0) + 1
        for _, _, entity, _ in ex.entities:
            entity_counts[entity] = entity_counts.get(entity, 0) + 1
    for intent in sorted(domain_intents - set(counts)):
        problems.append(f"intent {intent!r} has no examples")
    print(f"{len(examples)} examples, {len(synonyms)} synonyms")
    print("examples per intent: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("annotations per entity: " + ", ".join(f"{k} {v}" for k, v in sorted(entity_counts.items())))
    return problems


# --------------------------------------------------------------------------- CLI
DEFAULT_HELDOUT_OUT = "results/nlu-heldout"
DEFAULT_CV_OUT = "results/nlu-cv"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test-dir", default="eval/nlu/heldout", help="folder with test NLU YAML")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--nlu", default="data/nlu", help="training data")
    parser.add_argument("--domain", default="bot/domain")
    parser.add_argument("--model-dir", default="models/nlu-eval")
    parser.add_argument("--model", help="use this model instead of training one")
    parser.add_argument("--out", default=DEFAULT_HELDOUT_OUT, help="results folder")
    parser.add_argument("--force-train", action="store_true", help="train even if the model is up to date")
    parser.add_argument("--top", type=int, default=10, help="number of confusion pairs to print")
    parser.add_argument("--rasa", default=str(ROOT / ".venv-rasa" / "bin" / "rasa"), help="rasa executable")
    parser.add_argument("--cross-validate", nargs="+", metavar="CONFIG",
                        help="compare pipelines by cross-validation on the training data")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--cv-seed", type=int, default=42, help="seed for the cross-validation folds")
    parser.add_argument("--time-train", action="store_true",
                        help="with --cross-validate: also time one full training per config")
    parser.add_argument("--check-data", action="store_true", help="static checks of the training data only")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    os.chdir(ROOT)
    if args.check_data:
        problems = check_data(Path(args.nlu), Path(args.domain))
        for problem in problems:
            print("PROBLEM: " + problem)
        print("data check: " + ("OK" if not problems else f"{len(problems)} problem(s)"))
        return 1 if problems else 0
    if args.cross_validate:
        return cross_validate(args)
    return evaluate_heldout(args)


if __name__ == "__main__":
    sys.exit(main())
