# The two commands the README promises: `make demo` and `make test`.
SHELL := /bin/bash
VENV = $(shell scripts/env.sh)
DEMO_OUT ?= results/demo

.PHONY: demo test test-fast test-slow lint

demo:  ## install, then grade the four demo classes as one course into results/demo/
	@venv=$(VENV) && course="--course-file examples/course.toml --gradebook $(DEMO_OUT)/gradebook.sqlite" && \
	for a in nn_numpy backprop_torch cnn_classifiers segmentation_transfer; do \
	  $$venv/bin/grader grade examples/$$a/submissions --assignment $$a --out $(DEMO_OUT)/$$a --jobs 2 --force \
	    $$course --submitted-at examples/$$a/submitted_at.csv || exit 1; \
	  $$venv/bin/grader report $(DEMO_OUT)/$$a || exit 1; \
	done && \
	$$venv/bin/grader regrade -a nn_numpy --student dan --student emma $$course && \
	$$venv/bin/grader export canvas -o $(DEMO_OUT)/canvas.csv $$course && \
	$$venv/bin/grader export moodle -o $(DEMO_OUT)/moodle.csv $$course && \
	$$venv/bin/grader course-page -o $(DEMO_OUT)/course.html $$course && \
	$$venv/bin/grader similarity examples/similarity/nn_numpy -a nn_numpy -o $(DEMO_OUT)/similarity.html
	@echo "open $(DEMO_OUT)/course.html (the course), $(DEMO_OUT)/<assignment>/report.html (each class) and $(DEMO_OUT)/<assignment>/<student>/feedback.html; LMS imports: $(DEMO_OUT)/canvas.csv, moodle.csv; similarity: $(DEMO_OUT)/similarity.html; grade backprop_torch's two derivations in the browser: .venv/bin/grader serve -a backprop_torch --course-file examples/course.toml --gradebook $(DEMO_OUT)/gradebook.sqlite"

test:  ## lint, then the fast tests, then the slow ones (what CI runs)
	@venv=$(VENV) && $(MAKE) --no-print-directory lint VENV=$$venv && \
	  $$venv/bin/python -m pytest -q && \
	  $$venv/bin/python -m pytest -q -m slow

test-fast:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q

test-slow:
	@venv=$(VENV) && $$venv/bin/python -m pytest -q -m slow

lint:
	$(VENV)/bin/ruff check grader tests bench examples/build_demo.py examples/build_similarity_demo.py assignments reference
	$(VENV)/bin/mypy
