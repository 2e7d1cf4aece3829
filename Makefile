# Terminassistent — every task a person or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

# Local settings (optional): copy .env.example to .env and edit.
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: help setup services seed train run test test-unit test-integration test-browser test-rasa test-e2e eval bench call lock clean retention
.PHONY: report report-demo eval-dialogues
.PHONY: run-prod test-faults audit lint typecheck layers test-static

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

setup: ## create both virtual environments and install the locked dependencies
	@scripts/setup_venvs.sh

services: ## start PostgreSQL and Redis if they are not running (tests need them)
	@scripts/ensure_services.sh

seed: setup ## create or upgrade the SQLite store and load the catalogue
	@$(PY) -m booking_adapter seed

train: setup ## train the Rasa model, only if config, domain or data changed
	@$(PY) -m launcher.train

run: setup train ## migrate and seed the stores, start Rasa (5005), actions (5055) and the gateway (8000); Ctrl-C stops all
	@$(PY) -m launcher

run-prod: setup train ## production profile: PostgreSQL, Redis lock store, 2× Rasa (API off), 2× actions, gunicorn (docs/operations.md)
	@$(PY) -m launcher.prod

audit: setup ## scan both lock files for known vulnerabilities (pip-audit); fails if its service is unreachable
	@scripts/audit.sh

test: test-static test-unit test-integration test-browser test-rasa test-e2e test-faults ## run every test tier
	@echo "all test tiers passed"

test-static: lint typecheck layers ## the static tier (seconds): ruff, mypy, the import-layer contracts

lint: setup ## ruff on the whole tree (rules in ruff.toml)
	.venv/bin/ruff check .

typecheck: setup ## mypy: strict for booking_adapter, german, handover, common; default checks elsewhere (mypy.ini)
	.venv/bin/mypy

layers: setup ## import-linter: the layer contracts in .importlinter (e.g. booking_adapter never imports the bot or the gateway)
	.venv/bin/lint-imports --no-cache

test-unit: setup ## unit tests (no I/O, fakes)
	$(PY) -m pytest tests/unit -q

test-integration: setup services ## integration tests (real SQLite and PostgreSQL, Flask test client, the phone wording check)
	@scripts/install_speech_tools.sh
	$(PY) -m pytest tests/integration -q

test-browser: setup ## the web chat in real headless Chromium, with the axe-core accessibility check
	@scripts/install_browser.sh
	npm ci --no-audit --no-fund
	$(PY) -m pytest tests/browser -q

test-rasa: train ## validate the training data and run Rasa's conversation tests
	$(RASA) data validate --domain bot/domain --data data --config config.yml
	.venv-rasa/bin/python -m unittest discover -s tests/rasa_env -t . -q
	$(RASA) test core --model models/terminassistent.tar.gz --stories tests/stories --fail-on-prediction-errors --out results/stories

test-e2e: train ## end-to-end tests against the real Rasa server, action server and SQLite
	$(PY) -m pytest tests/e2e -q

test-faults: train ## fault tests: kill the action server, a Rasa instance, PostgreSQL, Redis mid-conversation (production profile, private servers)
	$(PY) -m pytest tests/faults -q

eval: train ## NLU on both held-out sets; codes and names as free answers; dates, numbers and choices (own cases and strangers' blocks) vs ctparse and dateparser
	$(PY) eval/nlu/evaluate.py
	$(PY) eval/nlu/evaluate.py --test-dir eval/nlu/heldout_strangers
	$(PY) eval/nlu/free_answers.py
	$(PY) eval/dates/evaluate.py
	$(PY) eval/dates/strangers.py

eval-dialogues: train ## the independent conversation corpus through /api/chat and signed /voice webhooks (dev and held-out), with the spoken length of every phone turn
	@scripts/install_speech_tools.sh
	@mkdir -p var && rm -f var/spoken_dialogues.jsonl
	PHONE_SPOKEN_LOG=$(CURDIR)/var/spoken_dialogues.jsonl $(PY) eval/dialogues/run.py --set dev
	PHONE_SPOKEN_LOG=$(CURDIR)/var/spoken_dialogues.jsonl $(PY) eval/dialogues/run.py --set heldout --targets; status=$$?; \
	$(PY) -m eval.phone.lengths var/spoken_dialogues.jsonl; exit $$status

bench: train services ## benchmarks: booking store (SQLite, PostgreSQL), phone webhook turns, relay vs. Gather turn latency
	$(PY) bench/booking_bench.py
	$(PY) -m devtools.phone_bench --calls 5
	$(PY) -m devtools.relay_bench --calls 5 --load $${LOAD_CALLS:-50}
	$(PY) bench/load.py --users $${LOAD_USERS:-50}

call: ## talk to a running `make run` as a phone caller, in the terminal (MODE=relay: over ConversationRelay's WebSocket)
	$(PY) -m devtools.call $(if $(filter relay,$(MODE)),--relay)

lock: ## re-resolve both lock files from requirements/*.in
	.venv/bin/uv pip compile -q --python-version 3.11 --python-platform x86_64-unknown-linux-gnu requirements/app.in -o requirements/app.lock
	.venv/bin/uv pip compile -q --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements/rasa.in -o requirements/rasa.lock

retention: ## delete hand-overs, transcripts, callbacks, Rasa conversations and past appointments' contacts past their retention (cron-able)
	@$(PY) -m handover retention
	@$(PY) -m booking_adapter retention

DEMO := $(CURDIR)/var/demo
DEMO_NOW := 2026-11-23T12:00:00
report: seed ## the service-promise report (HTML, last 7 days) from the booking and tracker stores, in var/reports/
	$(PY) -m monitoring report --days 7 --out var/reports/serviceversprechen-$$(date +%Y-%m-%d).html

report-demo: setup ## the report from seeded synthetic traffic (28 days, var/demo/), no production data needed
	rm -f $(DEMO)/booking.db* $(DEMO)/tracker.db*
	$(PY) -m monitoring generate --seed 1 --days 28 --booking-url sqlite:///$(DEMO)/booking.db --tracker-url sqlite:///$(DEMO)/tracker.db --now $(DEMO_NOW)
	$(PY) -m monitoring report --days 28 --out var/reports/demo.html --booking-url sqlite:///$(DEMO)/booking.db --tracker-url sqlite:///$(DEMO)/tracker.db --now $(DEMO_NOW)

clean: ## remove trained models and local data (keeps the virtual environments)
	rm -rf models var results
