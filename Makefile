# The two commands the README promises: `make demo` and `make test`.
SHELL := /bin/bash
VENV = $(shell scripts/env.sh)
DEMO_OUT ?= results/demo

.PHONY: demo test test-fast test-slow lint

demo:  ## install, then grade the bundled demo class into results/demo/
	@venv=$(VENV) && $$venv/bin/grader grade examples/nn_numpy/submissions --assignment nn_numpy --out $(DEMO_OUT) --jobs 2 --force
	@echo "open $(DEMO_OUT)/<student>/feedback.html; the class gradebook is $(DEMO_OUT)/gradebook.csv"

test:  ## lint, then the fast tests, then the slow ones (what CI runs)
	@venv=$(VENV) && $(MAKE) --no-print-directory lint VENV=$$venv && \
	  $$venv/bin/python -m pytest -q && \
	  $$venv/bin/python -m pytest -q -m slow

test-fast:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q

test-slow:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q -m slow

lint:
	$(VENV)/bin/ruff check grader tests bench
	$(VENV)/bin/mypy
