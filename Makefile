# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export PATH := $(abspath $(BIN)):$(PATH)
# JupyterLab refuses to run as root unless told; CI and these machines run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install system-grade system-browser system-postgres hub-install demo test lint format release toc lab bench bench-scale clean hub

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

system-grade:  ## Debian packages for the grading sandbox (installed as root, else the command is printed)
	@scripts/system-packages grade

system-browser:  ## Debian's Chromium for the real-browser tests
	@scripts/system-packages browser

system-postgres:  ## Debian's PostgreSQL server for the gradebook tests (they start a private one)
	@scripts/system-packages postgres

demo: install system-grade  ## the instructor's loop on a simulated class
	$(BIN)/course demo

hub-install: install  ## the class hub's venv and proxy (as root; the hub test creates Unix users)
	@if [ "$$(id -u)" = 0 ]; then scripts/system-packages hub && hub/install; \
	else echo "not root: the class hub is not installed, and its test will say why it is skipped"; fi

test: install system-grade system-browser system-postgres hub-install  ## lint, then every test
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check .

format: install  ## save source notebooks clean, with stable cell ids
	$(BIN)/python -m course.notebooks source

release: install  ## regenerate release/ from source/, then the README's table of contents and coverage map
	$(BIN)/python -m course.instructor.release
	$(BIN)/python -m course.instructor.toc
	$(BIN)/python -m course.instructor.coverage
	$(BIN)/python -m course.instructor.errata

toc: install  ## rewrite the README's table of contents from the notebooks in release/
	$(BIN)/python -m course.instructor.toc

lab: install  ## JupyterLab on the student notebooks
	$(BIN)/jupyter lab $(ROOT_FLAG) --notebook-dir=release

clean:
	rm -rf $(VENV) build submitted feedback .exchange gradebook.db

bench: install  ## plain nbgrader autograde against course grade on 40 simulated submissions
	$(BIN)/python -m course.instructor.bench

bench-scale: install system-grade  ## 200 submissions: course grade --workers 2 against a two-worker Dask cluster
	$(BIN)/python -m course.instructor.bench_scale

# A class on JupyterHub on this machine, as root (README.md: "Run it for a class"). For example:
#   make hub HUB_INSTRUCTOR=ana HUB_STUDENTS=roster.csv      (or HUB_STUDENTS="ben chloe")
HUB_INSTRUCTOR ?= instructor
HUB_STUDENTS   ?=
HUB_URL        ?= http://127.0.0.1:8000
HUB_VENV       ?= /opt/aws-cloud-practitioner/venv
hub: install system-grade  ## JupyterHub for a class: local users, nbgrader's exchange, the proxy from npm
	@scripts/system-packages hub
	HUB_VENV=$(HUB_VENV) hub/install
	hub/users --instructor $(HUB_INSTRUCTOR) $(HUB_STUDENTS)
	$(HUB_VENV)/bin/python hub/setup.py --instructor $(HUB_INSTRUCTOR) --bind-url $(HUB_URL) --protect-checkout
	$(HUB_VENV)/bin/jupyterhub -f hub/jupyterhub_config.py
