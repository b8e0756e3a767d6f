# Everything a fresh machine needs: `make run` to talk to the assistant, `make test` for CI.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := 3.10.13
BASE_PYTHON := $(shell pyenv prefix $(PYTHON_VERSION) 2>/dev/null | sed 's|$$|/bin/python|' || true)
ifeq ($(BASE_PYTHON),)
BASE_PYTHON := $(shell command -v python3.10)
endif
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_DIR := build/spacy/bilingual
MODEL := models/backpain.tar.gz
TRAINING_DATA := config.yml domain.yml $(wildcard data/nlu/*.yml) data/rules.yml data/stories.yml
WIDGET := widget/dist/backpain-widget.js
# Debian packages the tests and servers use; installed by `make system-deps` when missing.
SYSTEM_PACKAGES := chromium chromium-driver postgresql-15 nginx redis-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: help venv spacy train model widget system-deps check-data lint validate unit stories \
	nlu-eval e2e test test-cluster run run-cluster bench clean

help:
	@echo "make run    - set up, train if needed, start the action server (:5055), Rasa (:5005)"
	@echo "             and the widget demo page (http://localhost:8080)"
	@echo "make test   - set up and run every check (lint, data, unit, stories, NLU, end to end)"
	@echo "make bench  - measure response times over the running servers"
	@echo "make run-cluster  - 2 Rasa replicas + 2 action servers behind nginx (:8000),"
	@echo "                    Redis locks, PostgreSQL"
	@echo "make test-cluster - kill a replica while patients talk; check the stored conversations"

$(VENV)/.installed: requirements.txt pyproject.toml
	@test -n "$(BASE_PYTHON)" || { echo "Python $(PYTHON_VERSION) not found (pyenv or python3.10)"; exit 1; }
	test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3 setuptools==70.3.0 wheel==0.45.1
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv: $(VENV)/.installed

$(SPACY_DIR)/meta.json: $(VENV)/.installed nlu_pipeline/spacy_model.py actions/text_normalization.py
	$(PY) -m nlu_pipeline.spacy_model $(SPACY_DIR)

spacy: $(SPACY_DIR)/meta.json

# Retrained whenever the model is missing or older than its training data.
$(MODEL): $(SPACY_DIR)/meta.json $(TRAINING_DATA)
	$(PY) -m tools.timed build/training-time.txt $(RASA) train --fixed-model-name backpain --out models
	touch $@

model: $(MODEL)
train: model

# The chat widget, bundled from the npm registry's packages (package-lock.json pins them).
$(WIDGET): widget/package.json widget/package-lock.json $(wildcard widget/src/*) $(wildcard widget/*.mjs)
	cd widget && npm ci --no-audit --no-fund --loglevel=error && npm run build
	touch $@

widget: $(WIDGET)

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

check-data: venv
	$(PY) -m actions.check_data

lint: venv
	$(VENV)/bin/ruff check actions channels conversation_store nlu_pipeline review_tool tools tests
	$(VENV)/bin/ruff format --check actions channels conversation_store nlu_pipeline review_tool tools tests

validate: spacy
	$(PY) -m tools.validate_data

unit: spacy system-deps
	$(PY) -m pytest -q -m "not e2e and not cluster" tests

stories: model
	$(PY) -m tools.rasa_checks stories

nlu-eval: model
	$(PY) -m tools.rasa_checks nlu

e2e: model widget system-deps
	$(PY) -m pytest -q -m e2e tests --durations=10

test: lint check-data validate unit model stories nlu-eval e2e test-cluster
	@echo "make test: all checks passed"

run: check-data model widget
	$(PY) -m tools.serve

run-cluster: check-data model system-deps
	$(PY) -m tools.cluster

test-cluster: model system-deps
	$(PY) -m pytest -q -m cluster tests

bench: model
	$(PY) -m tools.bench

clean:
	rm -rf build models results .rasa .pytest_cache test-output widget/dist widget/node_modules
