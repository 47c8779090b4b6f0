# Connected — a career blog that is also a newsletter.
# `make help` lists every target. Options are make variables (make publish DRY_RUN=1),
# never `make publish --dry-run`, which make itself would swallow.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

# Every build is a new Python process: with PYTHONDONTWRITEBYTECODE set (some
# shells and containers set it), our ~60 modules would be compiled from source on
# each `make html` (0.16 s of a 2.6 s one-post rebuild at 1000 posts). The
# caches go to __pycache__/ (ignored by git), as for any installed package.
unexport PYTHONDONTWRITEBYTECODE

# `make html WARM=0` (or CONNECTED_WARM=0 in the environment): build in this process,
# without forking from the warm process (scripts/warm.py, README "Every make target").
ifdef WARM
export CONNECTED_WARM := $(WARM)
endif

.DEFAULT_GOAL := help
.PHONY: help init html serve devserver clean newpost uuids import publish preview-email unschedule stats fetch-logs test test-setup bench lint venv

help: ## List every target
	@echo "Connected — make targets (options are make variables, e.g. make publish DRY_RUN=1):"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

# The answers reach `python -m scripts init` through the environment (make exports
# command-line variables), so quotes and $ in them need no shell escaping.
# CONNECTED_INIT_VARS names the ones given on this command line: an EMAIL or
# NAME that the shell exports for other tools is never taken for an answer.
INIT_VARS := NAME HEADLINE EMAIL SITEURL TIMEZONE ADDRESS LINKEDIN
init: $(STAMP) ## Make the sample your own site (asks; or NAME="…" HEADLINE="…" EMAIL=… SITEURL=https://… TIMEZONE=Area/City ADDRESS="…" LINKEDIN=https://…)
	@CONNECTED_INIT_VARS="$(foreach v,$(INIT_VARS),$(if $(filter command line,$(origin $(v))),$(v)))" $(PY) -m scripts init

# The virtualenv is (re)built from the pinned requirements on first use and
# whenever requirements.txt or pyproject.toml changes. Then the project itself is
# installed in editable mode (connected/, plugins/, scripts/ importable from
# anywhere, no sys.path edits): --no-deps because requirements.txt already pinned
# every dependency, --no-build-isolation so the pinned setuptools builds it offline.
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Connected needs Python 3.11 or newer: install it, or run make PYTHON=python3.12 …")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

venv: $(STAMP) ## Create or update .venv from requirements.txt

html: $(STAMP) ## Build the development site into output/ (relative URLs, drafts under drafts/)
	$(PY) -m scripts build -s pelicanconf.py

# A development build first: after `make publish`, output/ holds the production
# build, whose links point at SITEURL rather than this local server.
serve: html ## Build for development and serve output/ at http://localhost:8000 (PORT=8001 for another port)
	$(PY) -m scripts serve --port $(PORT)

devserver: $(STAMP) ## Rebuild on save, serve at http://localhost:8000 and reload the browser (PORT=…)
	$(PY) -m scripts devserver --port $(PORT)

clean: ## Remove built files and build caches (output/, build/, .cache/pelican/); never the send record, outbox/, content or the reach-report data
	rm -rf output output.* build .cache/pelican

# TITLE reaches the script through the environment (make exports command-line
# variables), so quotes and backticks in a title need no shell escaping.
# The title as typed: make would expand a $ in it ("of $100" -> "of 00"); $(value …)
# does not, and a simply-expanded variable is exported as it is.
newpost: export CONNECTED_NEWPOST_TITLE := $(value TITLE)
newpost: $(STAMP) ## Create a draft: make newpost TITLE="My post"
	@$(PY) -m scripts newpost

uuids: $(STAMP) ## Add a Uuid to every post that lacks one
	$(PY) -m scripts uuids

# FROM, SETTINGS, YES, KEEP_URLS, HOME_PAGE and TEMPLATES reach the script through
# the environment (make exports command-line variables).
import: $(STAMP) ## Bring an old Pelican blog in: make import FROM=../old/content [SETTINGS=../old/pelicanconf.py] [YES=1] [KEEP_URLS=1]
	@$(PY) -m scripts import

# Options for `python -m scripts publish`, from make variables.
PUBLISH_OPTS = $(strip $(if $(DRY_RUN),--dry-run) $(if $(CHECK),--check) \
  $(if $(TEST_SEND),--test-send "$(TEST_SEND)") $(if $(POST),--post "$(POST)") \
  $(if $(BASELINE),--baseline "$(BASELINE)") $(if $(RELEASE),--release "$(RELEASE)"))

publish: $(STAMP) ## Build for production, deploy (if configured), send new posts (DRY_RUN=1 CHECK=1 TEST_SEND=addr POST=slug BASELINE=all|all-but-newest RELEASE=slug)
	$(PY) -m scripts publish $(PUBLISH_OPTS)

preview-email: $(STAMP) ## Write a post's email edition as HTML and say where (POST=slug, a draft too; default newest; POST=digest: the next digest)
	$(PY) -m scripts preview-email $(if $(POST),--post "$(POST)")

unschedule: $(STAMP) ## Cancel scheduled campaigns and hold their posts
	$(PY) -m scripts unschedule

stats: $(STAMP) ## Newsletter reach report in reports/index.html (REFRESH=1 to refetch)
	$(PY) -m scripts stats $(if $(REFRESH),--refresh)

fetch-logs: $(STAMP) ## Copy the web server's access logs into logs/ for make stats (STATS['LOGS_REMOTE'])
	$(PY) -m scripts fetch-logs

test-setup: $(STAMP) ## Install what the tests need (node packages, Debian chromium)
	$(PY) -m scripts test-setup

# Test processes: one per core, at most 4 (a test's own builds run two workers each);
# 0 on one core, where pytest runs the suite in its own process. TEST_WORKERS=0 to debug.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; [ $$n -lt 2 ] && n=0; echo $$n)

test: test-setup ## Run the test suite (TEST_WORKERS=… processes, one per core by default)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP) ## Time make html/publish/devserver against bare Pelican and Hugo (N=1000 RUNS=3 EDITS=5 REBUILDS=3; LARGE=10000 adds the large site)
	$(PY) -m benchmarks.run --posts $(or $(N),1000) --runs $(or $(RUNS),3) --edits $(or $(EDITS),5) --rebuilds $(or $(REBUILDS),3)
	$(PY) -m benchmarks.logs --mb $(or $(LOG_MB),200)
	$(PY) -m benchmarks.tags --posts $(or $(TAG_POSTS),400) --tags $(or $(TAGS),1000)
	$(if $(LARGE),$(PY) -m benchmarks.large --posts $(LARGE))

lint: $(STAMP) ## Lint with ruff
	$(VENV)/bin/ruff check .
