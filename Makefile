# painlog: two commands do all the set-up on a fresh machine with Python 3.11+ and make.
#   make run    install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)
#   make test   install the test requirements and run every test
PYTHON ?= python3
PORT ?= 8000
# Every test, on as many processes as the machine has cores (pytest-xdist), each test module
# on one of them. PYTEST_ARGS="-k schedule" make test runs a part, in one process.
PYTEST_ARGS ?= -n auto --dist loadfile
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := painlog.settings

.PHONY: run test install install-dev migrate demo lint format serve-prod clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: export DJANGO_DEBUG := 1
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles screenshots .pytest_cache
