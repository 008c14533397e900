# The two commands the README promises: `make demo` and `make test`.
SHELL := /bin/bash
VENV = $(shell scripts/env.sh)
DEMO_OUT ?= results/demo

.PHONY: demo test test-fast test-slow lint

demo:  ## install, then grade the bundled demo classes into results/demo/<assignment>/
	@venv=$(VENV) && for a in nn_numpy backprop_torch cnn_classifiers segmentation_transfer; do \
	  $$venv/bin/grader grade examples/$$a/submissions --assignment $$a --out $(DEMO_OUT)/$$a --jobs 2 --force || exit 1; \
	  $$venv/bin/grader report $(DEMO_OUT)/$$a || exit 1; \
	done
	@echo "open $(DEMO_OUT)/<assignment>/report.html (class report) and $(DEMO_OUT)/<assignment>/<student>/feedback.html; gradebooks: gradebook.csv, lms.csv"

test:  ## lint, then the fast tests, then the slow ones (what CI runs)
	@venv=$(VENV) && $(MAKE) --no-print-directory lint VENV=$$venv && \
	  $$venv/bin/python -m pytest -q && \
	  $$venv/bin/python -m pytest -q -m slow

test-fast:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q

test-slow:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q -m slow

lint:
	$(VENV)/bin/ruff check grader tests bench examples/build_demo.py assignments reference
	$(VENV)/bin/mypy
