"""Grading survives hostile and broken submissions (issue 5).

One grading run with two workers grades a class of honest students mixed with a submission of every
hostile kind, all made from the real release notebook of section 1: tampered cells, cheating
answers, attacks on the kernel's machinery, reads of solutions, denial of service, damage, network
use and broken files. The tests then check that the honest students' grades are exactly what they
should be, that the course's files and the other rows of the gradebook did not change, that every
hostile submission scored zero where it cheated, and that each one's log line says what happened.
Separate small runs cover an interrupted run, the refusal to grade without the sandbox, and the
sandbox's own limits.
"""

import hashlib
import html
import json
import logging
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import pytest
from submissions import cell_of
from submissions import solved as answered

from course import notebooks
from course.errors import CourseInputError
from course.grading import gradebook_writer, tamper
from course.grading import kernel_sandbox as gs
from course.grading import parallel as parallel_grade
from course.grading.kernel_sandbox import Limits, sandbox_problem
from course.grading.nbgrader_setup import course_api, run_step
from course.grading.parallel import grade_assignment
from course.instructor.roundtrip import grading_course, scores, submit

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
NB = f"{NAME}.ipynb"
RELEASE = notebooks.read(ROOT / "release" / NAME / NB)
SOURCE = notebooks.read(ROOT / "source" / NAME / NB)
GRADED = [
    c.metadata["nbgrader"]["grade_id"] for c in SOURCE.cells if c.metadata.get("nbgrader", {}).get("grade")
]
LIMITS = Limits(cell_timeout_s=8, memory_mb=1536)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(sandbox_problem()), reason=f"no sandbox here: {sandbox_problem()}"),
]


# --------------------------------------------------------------------------------------------
# Building submissions from the release notebook
# --------------------------------------------------------------------------------------------


_cell = cell_of


def _index(nb, grade_id):
    return nb.cells.index(_cell(nb, grade_id))


def solved() -> nbformat.NotebookNode:
    """The release notebook answered correctly, as a good student hands it in (students may edit or
    delete teaching cells: cutting them to the lab imports keeps this file within its time budget)."""
    return answered(RELEASE, SOURCE)


def answer(nb, grade_id, code):
    _cell(nb, grade_id).source = code
    return nb


def before(nb, grade_id, code):
    nb.cells.insert(_index(nb, grade_id), nbformat.v4.new_code_cell(code))
    return nb


def forged_test_cell(source: str) -> nbformat.NotebookNode:
    nb = before(solved(), "q1-tests", source)
    forged = nb.cells[_index(nb, "q1-tests") - 1]
    forged.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "forged-tests",
        "locked": True,
        "points": 0,
        "solution": False,
        "task": False,
    }
    forged.metadata["tags"] = ["run-by-grader"]
    return nb


def with_meta(cell_id, **changes):
    nb = solved()
    _cell(nb, cell_id).metadata["nbgrader"].update(changes)
    return nb


def reordered():
    nb = solved()
    block = nb.cells[_index(nb, "q4-answer") : _index(nb, "q4-tests") + 1]
    rest = [c for c in nb.cells if c not in block]
    nb.cells = rest[:3] + block + rest[3:]
    return nb


def deleted(grade_id):
    nb = solved()
    nb.cells.remove(_cell(nb, grade_id))
    return nb


PARTIAL_WRONG = {"q1-tests", "ex2-idle-cost-tests"}


def partial():
    nb = answer(solved(), "q1-answer", 'q1 = "A"')
    return answer(nb, "ex2-idle-cost", "def idle_cost(demand, price):\n    return sum(demand) * price")


# Code that hostile students put in their notebooks. {course} is the grading course's path and
# {port} a port on the grader's loopback, filled in when the class is built.
READS = """
import glob, os
found = {}
for pattern in ["{course}/source/*/*.ipynb", "{course}/release/*/*.ipynb", "{course}/gradebook.db",
                "{course}/submitted/*/*/*.ipynb", "{course}/.exchange/*/*/*", "{course}/autograded/*/*/*",
                "/work/main/source/*/*.ipynb", "/proc/1/environ", "../../*/*/*.ipynb"]:
    for path in glob.glob(pattern) or [pattern]:
        try:
            with open(path, "rb") as f:
                found[path] = f.read()
            print("READ", path)
        except OSError as e:
            print("BLOCKED", path, type(e).__name__)
canadian_region = None
for text in found.values():
    if b"BEGIN " + b"SOLUTION" in text:  # split, so that this cell itself does not match
        canadian_region = "ca-west-1"
"""
DAMAGE = """
import os, shutil, glob
attempts = []
for path in ["{course}/gradebook.db", "{course}/source/{name}/{name}.ipynb",
             "{course}/release/{name}/{name}.ipynb", "{course}/submitted/honest-full/{name}/{name}.ipynb",
             "{course}/autograded/alice/{name}/{name}.ipynb", "/tmp/{marker}",
             "/work/main/README.md.hostile-{marker}", "/usr/hostile-{marker}"]:
    for action in ("write", "remove"):
        try:
            if action == "write":
                with open(path, "w") as f:
                    f.write("owned")
            else:
                os.remove(path)
            attempts.append(("DONE", action, path))
        except OSError as e:
            attempts.append(("BLOCKED", action, path, type(e).__name__))
for folder in ["{course}/source", "{course}/release", "{course}/submitted"]:
    shutil.rmtree(folder, ignore_errors=True)
print(attempts)
canadian_region = "ca-west-1"
"""
NETWORK = """
import socket, urllib.request
results = []
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        results.append(("CONNECTED", host, port))
    except OSError as e:
        results.append(("BLOCKED", host, port, type(e).__name__))
try:
    urllib.request.urlopen("http://example.com", timeout=2)
    results.append("CONNECTED example.com")
except OSError as e:
    results.append(("BLOCKED", "example.com", type(e).__name__))
print(results)
canadian_region = "ca-west-1"
"""
IDLE = "def idle_cost(demand, price):\n    return (max(demand) * len(demand) - sum(demand)) * price\n"


def hostile_class(course: Path, port: int, marker: str) -> dict:
    """student -> (notebook, or a function that writes the submission folder), by kind."""
    fill = {"course": str(course), "port": port, "marker": marker, "name": NAME}

    def code(template):
        for key, value in fill.items():
            template = template.replace("{" + key + "}", str(value))
        return template

    nbs = {
        # honest students
        "honest-full": solved(),
        "honest-partial": partial(),
        # 1. tampering with the notebook
        "t-edited-test": answer(solved(), "ex1-deployment-models-tests", "pass"),
        "t-deleted-test": deleted("q1-tests"),
        "t-points": with_meta("ex2-idle-cost-tests", points=200),
        "t-grade-id": with_meta("q3-tests", grade_id="q3-tests-mine"),
        "t-grade-flag": with_meta("ex3-breakeven-tests", grade=False),
        "t-solution-flag": with_meta("ex4-service-models-tests", solution=True),
        "t-unlocked": with_meta("q2-tests", locked=False),
        "t-reordered": reordered(),
        "t-redefined-name": before(
            answer(solved(), "ex5-nearest-region", "def nearest_region(lat, lon):\n    return 'eu-west-3'"),
            "ex5-nearest-region-tests",
            "import types\nregions = types.SimpleNamespace(regions=lambda: [types.SimpleNamespace("
            "code='eu-west-3', lat=0, lon=0)], distance_km=lambda a, b: 0)",
        ),
        "t-redefined-builtin": before(solved(), "ex3-breakeven-tests", "def type(x):\n    return int"),
        # 2. cheating answers
        "c-hardcoded": answer(
            solved(),
            "ex2-idle-cost",
            "def idle_cost(d, p):\n    return {(2, 3, 9, 2): 2.0}.get(tuple(d), 0.0)",
        ),
        "c-always-equal": answer(
            solved(),
            "ex6-choose-region",
            "class Region(str):\n    def __eq__(self, other): return True\n    __hash__ = str.__hash__\n"
            "canadian_region = Region('us-east-1')",
        ),
        "c-pretend-type": answer(
            solved(),
            "q3-answer",
            "class Fake:\n    __class__ = str\n    def __eq__(self, o): return True\n"
            "    def strip(self): return self\n    def upper(self): return self\nq3 = Fake()",
        ),
        "c-patch-checks": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "import course.grading.checks\ncourse.grading.checks.check_option = lambda *a, **k: None",
        ),
        # a wrong function that shows a number while the test calls it: nbgrader would read it as credit
        "c-show-result": answer(
            solved(),
            "ex2-idle-cost",
            "def idle_cost(demand, price_per_server_hour):\n"
            "    get_ipython().displayhook(2.0)\n    return 0.0",
        ),
        "c-patch-numpy": before(
            solved(), "q1-tests", "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None"
        ),
        "c-patch-pandas": before(
            solved(),
            "q1-tests",
            "import pandas.testing\npandas.testing.assert_frame_equal = lambda *a, **k: None",
        ),
        "c-patch-builtins": before(
            answer(solved(), "ex8-shared-responsibility", "responsibility = {}"),
            "ex8-shared-responsibility-tests",
            "import builtins\nbuiltins.round = lambda x, n=None: x",
        ),
        "c-patch-hashlib": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "import hashlib\nclass H:\n    def __init__(self, *a): pass\n    def hexdigest(self): "
            "return '302ba31fa44eb412'\nhashlib.sha256 = H",
        ),
        "c-excepthook": before(solved(), "q1-tests", "import sys\nsys.excepthook = lambda *a: None"),
        "c-custom-exc": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)",
        ),
        "c-showtraceback": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\n"
            "ip._showtraceback = lambda *a, **k: None",
        ),
        "c-input-transformer": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "get_ipython().input_transformers_cleanup.append("
            "lambda lines: ['pass\\n'] if any('check_' in l for l in lines) else lines)",
        ),
        "c-ast-transformer": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "import ast\nclass NoChecks(ast.NodeTransformer):\n    def visit_Expr(self, node):\n"
            "        return ast.Pass()\n    def visit_Assert(self, node):\n        return ast.Pass()\n"
            "get_ipython().ast_transformers.append(NoChecks())",
        ),
        "c-run-cell-wrapper": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "ip = get_ipython()\n_orig = ip.run_cell\n"
            "def run_cell(raw_cell, *a, **k):\n"
            "    if 'check_choice' in raw_cell:\n        raw_cell = 'pass'\n"
            "    del ip.run_cell\n    try:\n        return _orig(raw_cell, *a, **k)\n"
            "    finally:\n        ip.run_cell = run_cell\n"
            "ip.run_cell = run_cell",
        ),
        "c-class-patch": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "InteractiveShell.showtraceback = lambda *a, **k: None",
        ),
        "c-event-hook": before(
            answer(solved(), "q1-answer", "q1 = 'C'"),
            "q1-tests",
            "def leak(info):\n    print(info.raw_cell)\nget_ipython().events.register('pre_run_cell', leak)",
        ),
        "c-gc": before(solved(), "q1-tests", "import gc\nlen(gc.get_objects())"),
        "c-ctypes": before(solved(), "q1-tests", "import ctypes\nctypes.string_at(id(1), 8)"),
        "c-reads-disk": answer(solved(), "ex6-choose-region", code(READS)),
        # answers the grader's questions itself: every name is 2.0 from here on
        "c-forge-answers": before(
            solved(),
            "ex2-idle-cost-tests",
            "import course.grading.answers as a\na.answer = lambda question: 'V2.0'",
        ),
        # a cell of its own dressed as a test, and as a cell the grader runs: refused before it runs
        "c-forged-test-cell": forged_test_cell(
            code("open('/tmp/{marker}-grader', 'w').write('ran in the grader')")
        ),
        # a wrong function that looks for the expected value in its callers' frames
        "c-frame-expected": answer(
            solved(),
            "ex2-idle-cost",
            "import sys\ndef idle_cost(demand, price_per_server_hour):\n    f = sys._getframe(1)\n"
            "    while f is not None:\n        for k, v in f.f_locals.items():\n"
            "            if type(v) is float and k != 'price_per_server_hour':\n"
            "                return v\n"
            "        f = f.f_back\n    return 0.0",
        ),
        # a right function that gathers what the kernel knows of the code that calls it, printed later
        "c-read-history": answer(
            answer(
                solved(),
                "ex2-idle-cost",
                "import inspect, linecache, sys\nSEEN = []\n"
                "def idle_cost(demand, price_per_server_hour):\n    ip = get_ipython()\n"
                "    SEEN.extend([str(ip.user_ns.get('In')), str(ip.user_ns.get('_ih')),\n"
                "        str(list(ip.history_manager.get_range())), str(ip.kernel.get_parent()),\n"
                "        str([linecache.getlines(f.filename) for f in inspect.stack()\n"
                "             if f.filename[0] == '<'])])\n"
                "    return (max(demand) * len(demand) - sum(demand)) * price_per_server_hour",
            ),
            "ex3-breakeven",
            "print(str(SEEN)[:300_000])\n" + _cell(SOURCE, "ex3-breakeven").source,
        ),
        # a thread that shows 2.0 and prints all the time: a wrong label answer must still score zero
        "c-thread-result": answer(
            solved(),
            "ex1-deployment-models",
            "import threading, time\ndef shout():\n    while True:\n"
            "        get_ipython().displayhook(2.0)\n        print('2.0')\n        time.sleep(0.001)\n"
            "threading.Thread(target=shout, daemon=True).start()\ndeployment_model = {}",
        ),
        "c-leak-hidden": answer(
            answer(
                solved(),
                "ex2-idle-cost",
                "def idle_cost(demand, price):\n    import linecache, sys\n    global LEAK\n"
                "    LEAK = ''.join(linecache.getlines(sys._getframe(1).f_code.co_filename))\n"
                "    return (max(demand) * len(demand) - sum(demand)) * price",
            ),
            "ex3-breakeven",
            "print(LEAK)\n" + _cell(SOURCE, "ex3-breakeven").source,
        ),
        # 3. denial of service
        "d-loop": answer(solved(), "q2-answer", "while True:\n    pass"),
        "d-sleep": answer(solved(), "q3-answer", "import time\ntime.sleep(10**6)"),
        "d-sigint-ignored": answer(
            solved(),
            "q4-answer",
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        ),
        "d-memory": answer(
            solved(), "q4-answer", "hog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))"
        ),
        "d-fork": answer(
            solved(),
            "q4-answer",
            "import os, time\nwhile True:\n    if os.fork() == 0:\n"
            "        time.sleep(300)\n        os._exit(0)",
        ),
        "d-disk": answer(
            solved(),
            "q2-answer",
            "chunk = b'x' * 2**20\nfor name in ('/tmp/fill', 'fill-here'):\n    try:\n"
            "        with open(name, 'wb') as f:\n"
            "            for _ in range(4096):\n                f.write(chunk)\n"
            "    except OSError as e:\n        print(name, type(e).__name__)",
        ),
        # a right answer that also prints 20 MB: the output is cut, the kernel goes on, nothing is lost
        "d-output": answer(
            solved(), "q2-answer", "for _ in range(200_000):\n    print('x' * 100)\nq2 = {'A', 'B'}"
        ),
        # a right function that prints 256 KB each time a test calls it: only that test cell overflows
        "d-output-in-test": answer(
            solved(),
            "ex2-idle-cost",
            "def idle_cost(demand, price_per_server_hour):\n    print('x' * 2**18)\n"
            "    return (max(demand) * len(demand) - sum(demand)) * price_per_server_hour",
        ),
        "d-huge-message": answer(solved(), "q4-answer", "print('x' * 100_000_000)"),
        "d-exit": answer(solved(), "q4-answer", "import os\nos._exit(0)"),
        "d-system-exit": answer(solved(), "q2-answer", "raise SystemExit(0)"),
        "d-keyboard-interrupt": answer(solved(), "q2-answer", "raise KeyboardInterrupt"),
        # 4. damage and network
        "x-damage": answer(solved(), "ex6-choose-region", code(DAMAGE)),
        "x-network": answer(solved(), "ex6-choose-region", code(NETWORK)),
    }

    def invalid_json(folder):
        (folder / NB).write_text('{"cells": [', encoding="utf-8")

    def empty(folder):
        (folder / NB).write_text("", encoding="utf-8")

    def old_format(folder):
        nb = solved()
        for cell in nb.cells:
            cell.pop("id", None)
        nb.nbformat_minor = 4
        (folder / NB).write_text(nbformat.writes(nbformat.convert(nb, 3)), encoding="utf-8")

    def missing(folder):
        pass

    def misnamed(folder):
        notebooks.write(solved(), folder / f"{NAME} (1).ipynb")

    def extra_files(folder):
        notebooks.write(solved(), folder / NB)
        (folder / "notes.txt").write_text("my notes\n")
        (folder / "data").mkdir()
        (folder / "data" / "demand.csv").write_text("hour,servers\n0,2\n")

    def shadowing(folder, setup):
        nb = solved()
        lab = next(i for i, c in enumerate(nb.cells) if c.source == "from course.aws.sandbox import client")
        nb.cells.insert(lab, nbformat.v4.new_code_cell(setup))
        notebooks.write(nb, folder / NB)
        (folder / "boto3.py").write_text("def client(*a, **k):\n    raise RuntimeError('fake')\n")

    def shadowing_module(folder):  # boto3 is imported before the student's code: make Python load it again
        shadowing(folder, "import sys\nsys.path.insert(0, '.')\nsys.modules.pop('boto3', None)")

    def shadowing_unused(folder):  # the installed boto3 is already loaded: the fake one is never read
        shadowing(folder, "import sys\nsys.path.insert(0, '.')")

    def bad_timestamp(folder):
        notebooks.write(solved(), folder / NB)
        (folder / "timestamp.txt").write_text("the day after tomorrow\n")

    def symlink(folder):
        (folder / NB).symlink_to(course / "source" / NAME / NB)

    def hard_link(folder):
        (folder / NB).hardlink_to(course / "source" / NAME / NB)

    def very_large(folder):
        nb = solved()
        nb.cells.insert(0, nbformat.v4.new_markdown_cell("x" * int(LIMITS.notebook_mb * 2**20 + 1024)))
        notebooks.write(nb, folder / NB)

    writers = {
        "b-invalid-json": invalid_json,
        "b-empty": empty,
        "b-old-format": old_format,
        "b-missing": missing,
        "b-misnamed": misnamed,
        "b-extra-files": extra_files,
        "b-shadowing-module": shadowing_module,
        "b-shadowing-unused": shadowing_unused,
        "b-bad-timestamp": bad_timestamp,
        "b-symlink": symlink,
        "b-hard-link": hard_link,
        "b-very-large": very_large,
    }
    return {**nbs, **writers}


ALL = set(GRADED)
FULL = {g: True for g in GRADED}
# student -> (status, words in the log line, graded cells that must score zero; None: all of them)
EXPECTED = {
    "honest-full": ("graded", "", set()),
    "honest-partial": ("graded", "", PARTIAL_WRONG),
    "t-edited-test": ("flagged", "ex1-deployment-models-tests was edited", None),
    "t-deleted-test": ("flagged", "q1-tests is missing", None),
    "t-points": ("flagged", "ex2-idle-cost-tests has changed metadata (points)", None),
    "t-grade-id": ("flagged", "q3-tests is missing", None),
    "t-grade-flag": ("flagged", "ex3-breakeven-tests has changed metadata (grade)", None),
    "t-solution-flag": ("flagged", "ex4-service-models-tests has changed metadata (solution)", None),
    "t-unlocked": ("flagged", "q2-tests has changed metadata (locked)", None),
    "t-reordered": ("flagged", "re-ordered", None),
    # the test's own `regions` and builtins are the grader's: the fake ones change nothing there
    "t-redefined-name": ("graded", "", {"ex5-nearest-region-tests"}),
    "t-redefined-builtin": ("graded", "", set()),
    "c-hardcoded": ("graded", "", {"ex2-idle-cost-tests"}),
    "c-always-equal": ("graded", "", {"ex6-choose-region-tests", "ex7-bucket-lab-tests"}),  # the lab uses it
    "c-pretend-type": ("graded", "", {"q3-tests"}),
    # the kernel's machinery and helpers are the student's to break: the tests run elsewhere
    "c-patch-checks": ("graded", "", {"q1-tests"}),
    "c-show-result": ("graded", "", {"ex2-idle-cost-tests"}),
    "c-patch-numpy": ("graded", "", set()),
    "c-patch-pandas": ("graded", "", set()),
    "c-patch-builtins": ("graded", "", {"ex8-shared-responsibility-tests"}),
    "c-patch-hashlib": ("graded", "", {"q1-tests"}),
    "c-excepthook": ("graded", "", set()),
    "c-custom-exc": ("graded", "", {"q1-tests"}),
    "c-showtraceback": ("graded", "", {"q1-tests"}),
    "c-input-transformer": ("graded", "", {"q1-tests"}),
    "c-ast-transformer": ("graded", "", {"q1-tests", "ex7-bucket-lab-tests"}),  # its lab's calls became pass
    "c-run-cell-wrapper": ("graded", "", {"q1-tests"}),
    "c-class-patch": ("graded", "", {"q1-tests"}),
    "c-event-hook": ("graded", "", {"q1-tests"}),
    "c-gc": ("graded", "", set()),
    "c-ctypes": ("graded", "", set()),
    # every test that asks the kernel gets 2.0 and fails; the lab's test asks it nothing
    "c-forge-answers": (
        "graded",
        "",
        set(GRADED[GRADED.index("ex2-idle-cost-tests") :]) - {"ex7-bucket-lab-tests"},
    ),
    "c-forged-test-cell": ("flagged", "forged-tests is not a graded cell of the assignment", None),
    "c-frame-expected": ("graded", "", {"ex2-idle-cost-tests"}),
    "c-read-history": ("graded", "", set()),
    "c-thread-result": ("graded", "", {"ex1-deployment-models-tests"}),
    "c-leak-hidden": ("graded", "", set()),
    "c-reads-disk": ("graded", "", {"ex6-choose-region-tests", "ex7-bucket-lab-tests"}),
    "d-loop": ("graded", "timed out in cell", {"q2-tests"}),
    "d-sleep": ("graded", "timed out in cell", {"q3-tests"}),
    "d-sigint-ignored": ("graded", "did not stop when interrupted", {"q4-tests"}),
    "d-memory": ("graded", "ran out of memory", {"q4-tests"}),
    "d-fork": ("graded", "processes left running", {"q4-tests"}),
    "d-disk": ("graded", "", {"q2-tests"}),
    "d-output": ("graded", "output cut in cell", set()),
    # what student code prints while the grader calls it is never part of a test's outputs
    "d-output-in-test": ("graded", "", set()),
    # The grader drops the message unread, and with it the connection: when ZeroMQ reconnects before
    # the cell's end the cell just has no output, else it times out. Either way q4 scores zero.
    "d-huge-message": ("graded", "", {"q4-tests"}),
    "d-exit": ("graded", "the kernel exited", {"q4-tests"}),
    "d-system-exit": ("graded", "", {"q2-tests"}),
    "d-keyboard-interrupt": ("graded", "", {"q2-tests"}),
    "x-damage": ("graded", "", set()),
    "x-network": ("graded", "", set()),
    "b-invalid-json": ("refused", "file unreadable", None),
    "b-empty": ("refused", "the file is empty", None),
    "b-old-format": ("graded", "", set()),
    "b-missing": ("refused", "notebook missing", None),
    "b-misnamed": ("refused", "found 01-cloud-computing (1).ipynb (misnamed?)", None),
    "b-extra-files": ("graded", "", set()),
    # the student's own kernel loads the fake boto3, so the lab fails there; the grader's boto3 is its own
    "b-shadowing-module": ("graded", "", {"ex7-bucket-lab-tests"}),
    "b-shadowing-unused": ("graded", "", set()),
    "b-bad-timestamp": ("refused", "timestamp.txt is not a date", None),
    "b-symlink": ("refused", "is a symbolic link", None),
    "b-hard-link": ("refused", "is a hard link", None),
    "b-very-large": ("refused", "file too large", None),
}


def _tree_digest(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _rows(db: Path, student: str) -> list:
    """Every gradebook row that belongs to STUDENT (grades and comments with their scores)."""
    with sqlite3.connect(db) as con:
        return con.execute(
            """SELECT g.id, g.auto_score, g.manual_score, g.needs_manual_grade, sn.id, sa.timestamp
               FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               WHERE sa.student_id = ? ORDER BY g.id""",
            (student,),
        ).fetchall()


class _Listener:
    """A TCP server on the grader's loopback that records whether anything connected."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.sock.settimeout(0.5)
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.running = False
        self.sock.close()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = grading_course(ROOT, tmp_path_factory.mktemp("hostile"), [NAME])
    marker = uuid.uuid4().hex
    listener = _Listener()
    # A student graded earlier, whose gradebook rows must not move.
    submit(course, "alice", NAME, {NB: partial()})
    grade_assignment(course, NAME, ["alice"], workers=1, limits=LIMITS)
    alice_before = _rows(course / "gradebook.db", "alice")
    before = {d: _tree_digest(course / d) for d in ("source", "release")}
    alice_files = _tree_digest(course / "autograded" / "alice")

    students = hostile_class(course, listener.port, marker)
    for student, what in students.items():
        if isinstance(what, nbformat.NotebookNode):
            submit(course, student, NAME, {NB: what})
        else:
            folder = submit(course, student, NAME, {})
            what(folder)
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("course.grade")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        outcomes = grade_assignment(course, NAME, [s for s in students], workers=2, limit_s=90, limits=LIMITS)
    finally:
        logging.getLogger("course.grade").removeHandler(handler)
        listener.close()
    return {
        "course": course,
        "outcomes": {o.student: o for o in outcomes},
        "lines": lines,
        "before": before,
        "alice_before": alice_before,
        "alice_files": alice_files,
        "listener": listener,
        "marker": marker,
    }


def test_the_run_finishes_with_an_outcome_for_everyone(graded_class):
    assert set(graded_class["outcomes"]) == set(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_outcome_zero_and_log_line(graded_class, student):
    status, words, zero = EXPECTED[student]
    outcome = graded_class["outcomes"][student]
    assert outcome.status == status, outcome
    assert words in outcome.detail, outcome
    lines = [ln for ln in graded_class["lines"] if ln.startswith(f"{student}: {status} in ")]
    assert len(lines) == 1 and words in lines[0], lines
    result = scores(graded_class["course"], NAME, student)
    assert set(result) == ALL, result
    must_be_zero = ALL if zero is None else zero
    for grade_id, (score, max_score) in result.items():
        expected = 0 if grade_id in must_be_zero else max_score
        assert score == expected, f"{student} {grade_id}: {score} / {max_score}"


def test_course_files_and_other_students_are_untouched(graded_class):
    course = graded_class["course"]
    for folder, digest in graded_class["before"].items():
        assert _tree_digest(course / folder) == digest, f"{folder}/ changed"
    assert _rows(course / "gradebook.db", "alice") == graded_class["alice_before"]
    assert _tree_digest(course / "autograded" / "alice") == graded_class["alice_files"]
    assert (course / "submitted" / "honest-full" / NAME / NB).is_file()
    assert not (Path("/tmp") / graded_class["marker"]).exists()
    assert not (
        Path("/tmp") / f"{graded_class['marker']}-grader"
    ).exists()  # c-forged-test-cell ran in its kernel
    assert not list(Path("/work/main").glob("README.md.hostile-*"))


def _printed(course: Path, student: str) -> str:
    """Everything STUDENT's code printed, from the autograded notebook."""
    nb = notebooks.read(course / "autograded" / student / NAME / NB)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_no_network_not_even_the_graders_loopback(graded_class):
    assert graded_class["listener"].connections == 0
    printed = _printed(graded_class["course"], "x-network")
    assert "BLOCKED" in printed and "CONNECTED" not in printed, printed


def test_damage_attempts_were_all_blocked(graded_class):
    printed = _printed(graded_class["course"], "x-damage")
    done = [ln for ln in printed.split("), (") if "DONE" in ln]
    assert "BLOCKED" in printed
    # only its own scratch space took the writes (and the host's /tmp has no such file: see above)
    assert all(f"'/tmp/{graded_class['marker']}'" in ln for ln in done), done


def test_code_reads_no_solution_gradebook_or_other_submission(graded_class):
    printed = _printed(graded_class["course"], "c-reads-disk")
    read = [ln.split()[1] for ln in printed.splitlines() if ln.startswith("READ ")]
    assert "BLOCKED" in printed
    own = ("/guard/submission/", "/tmp/work/", "../../guard/submission/", "../../tmp/work/")
    assert all(path.startswith(own) for path in read), read  # its own submission, nothing else


def test_no_hidden_test_line_in_any_autograded_output(graded_class):
    """The kernel never receives a hidden test, so no student's output can hold one (c-event-hook prints
    every cell it is sent, c-read-history prints what the kernel's history and stack hold)."""
    hidden = tamper.hidden_lines(SOURCE)
    course = graded_class["course"]
    for path in (course / "autograded").glob(f"*/{NAME}/{NB}"):
        nb = notebooks.read(path)
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
        assert not [line for line in hidden if json.dumps(line)[1:-1] in outputs], path.parent.parent.name


def test_what_student_code_saw_holds_no_test(graded_class):
    printed = _printed(graded_class["course"], "c-read-history")
    assert "course.grading.answers" in printed  # it saw the grader's questions
    assert "check_number" not in printed and "_rng" not in printed  # never the test that called it


def test_feedback_of_hostile_students_shows_no_hidden_test(graded_class):
    course = graded_class["course"]
    hidden = tamper.hidden_lines(SOURCE)
    api = course_api(course)
    for student in ("c-event-hook", "c-leak-hidden", "c-read-history", "honest-partial"):
        run_step(api.generate_feedback(NAME, student), f"generate_feedback {student}")
        page = (course / "feedback" / student / NAME / f"{NAME}.html").read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert not [line for line in hidden if line in text], student


SANDBOX_PROBE = """
import json, os, resource, socket, sys
tmp_path, gradebook, course_file = sys.argv[1:]
def tries(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return type(e).__name__
limits = ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE")
print(json.dumps({
    "uid": os.getuid(), "groups": os.getgroups(), "env": sorted(os.environ),
    "limits": {n: resource.getrlimit(getattr(resource, n))[1] for n in limits},
    "sees": {p: os.path.exists(p) for p in (tmp_path, gradebook, "/work/main/source", "/root/.ssh", "/var")},
    "write_usr": tries(lambda: open("/usr/lib/os-release", "a")),  # append: changes nothing even if allowed
    "write_course": tries(lambda: open(course_file, "a")),
    "tmp_mb": os.statvfs("/tmp").f_blocks * os.statvfs("/tmp").f_frsize // 2**20,
    "interfaces": [name for _, name in socket.if_nameindex()],
}))
"""


def test_the_sandbox_itself(tmp_path):
    """Its uid, limits, view of the files, scratch space, environment and network, seen from inside."""
    lease = gs.UidLease()
    paths = [str(tmp_path), str(ROOT / "gradebook.db"), str(gs.COURSE_DIR / "grading" / "checks.py")]
    try:
        cmd = gs.bwrap_command(
            uid=lease.uid,
            limits=LIMITS,
            roots=gs.trusted_roots(),
            binds={},
            writable={},
            command=[sys.executable, "-I", "-c", SANDBOX_PROBE, *paths],
        )
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    finally:
        lease.release()
    seen = json.loads(result.stdout)
    assert seen["uid"] == lease.uid != 0 and seen["groups"] == []
    assert seen["limits"] == {
        "RLIMIT_AS": LIMITS.memory_mb * 2**20,
        "RLIMIT_NPROC": LIMITS.processes,
        "RLIMIT_FSIZE": LIMITS.file_mb * 2**20,
    }
    assert not any(seen["sees"].values()), seen["sees"]
    assert seen["write_usr"] != "ok" and seen["write_course"] != "ok"
    assert seen["tmp_mb"] == LIMITS.tmp_mb
    assert seen["interfaces"] == ["lo"]
    assert "PATH" in seen["env"] and not [
        k for k in seen["env"] if k.startswith(("PYTEST", "COURSE_", "AWS_"))
    ]


# --------------------------------------------------------------------------------------------
# Separate runs
# --------------------------------------------------------------------------------------------


PLANT = """
import os, subprocess
os.makedirs("/tmp/ipython/profile_default/startup", exist_ok=True)
with open("/tmp/ipython/profile_default/startup/00-planted.py", "w") as f:
    f.write("import builtins; builtins.len = lambda x: 0")
open("/tmp/work/planted.txt", "w").write("from the student before you")
open("/dev/shm/planted", "w").write("x")
subprocess.Popen(["sleep", "600"], start_new_session=True)  # a cell that works: left running, for now
"""
PROBE = """
import os
planted = ["/tmp/ipython/profile_default/startup/00-planted.py", "/tmp/work/planted.txt", "/dev/shm/planted"]
print("LEFT", [p for p in planted if os.path.exists(p)], sorted(os.listdir("/tmp/work")))
print("PROCS", sorted(open(f"/proc/{p}/comm").read().strip() for p in os.listdir("/proc") if p.isdigit()))
"""


def test_one_worker_leaves_nothing_of_a_student_for_the_next(tmp_path):
    """Kernels of one worker come from one zygote: a student's files, processes or a killed zygote
    must not reach the next student (graded in order, by one worker)."""
    course = grading_course(ROOT, tmp_path, [NAME])
    submit(course, "a-plant", NAME, {NB: before(solved(), "q1-answer", PLANT)})
    submit(course, "b-probe", NAME, {NB: before(solved(), "q1-answer", PROBE)})
    kill = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    submit(course, "c-kill-zygote", NAME, {NB: before(solved(), "q2-answer", kill)})
    submit(course, "d-honest", NAME, {NB: solved()})
    outcomes = {o.student: o for o in grade_assignment(course, NAME, workers=1, limits=LIMITS)}
    printed = _printed(course, "b-probe")
    assert "planted" not in printed and "LEFT [] ['01-cloud-computing.ipynb', 'timestamp.txt']" in printed
    procs = next(line for line in printed.splitlines() if line.startswith("PROCS"))
    assert "sleep" not in procs, procs
    for student in ("a-plant", "b-probe", "d-honest"):
        assert outcomes[student].status == "graded" and not outcomes[student].detail, outcomes[student]
        assert all(s == m for s, m in scores(course, NAME, student).values()), student
    killed = outcomes["c-kill-zygote"]
    assert killed.status == "graded" and "killed" in killed.detail, killed
    zero = {g for g, (s, _) in scores(course, NAME, "c-kill-zygote").items() if s == 0}
    # its grading ends soon after the kill (how many cells later depends on when the worker notices)
    assert "q4-tests" in zero and "q1-tests" not in zero, zero


def test_an_interrupted_run_leaves_the_gradebook_as_it_was(tmp_path, monkeypatch):
    course = grading_course(ROOT, tmp_path, [NAME])
    submit(course, "first", NAME, {NB: solved()})
    submit(course, "second", NAME, {NB: partial()})
    db = course / "gradebook.db"
    real = gradebook_writer._replace_db
    calls = []

    def crash_on_second(staged, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of saving the second student
        real(staged, target)

    monkeypatch.setattr(gradebook_writer, "_replace_db", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        grade_assignment(course, NAME, ["first", "second"], workers=1, limits=LIMITS)
    monkeypatch.setattr(gradebook_writer, "_replace_db", real)
    after_crash = {s: _rows(db, s) for s in ("first", "second")}
    assert after_crash["first"] and not after_crash["second"], "the second student's save was interrupted"
    outcomes = grade_assignment(course, NAME, ["first", "second"], workers=2, limits=LIMITS)
    assert all(o.status == "graded" for o in outcomes), outcomes
    again = {s: scores(course, NAME, s) for s in ("first", "second")}
    assert all(s == m for s, m in again["first"].values())
    assert {g for g, (s, _) in again["second"].items() if s == 0} == PARTIAL_WRONG


def test_grading_refuses_to_run_unsandboxed_unless_allowed(tmp_path, monkeypatch):
    course = grading_course(ROOT, tmp_path, [NAME])
    folder = submit(course, "broken", NAME, {})
    (folder / NB).write_text("{")
    import course.grading.kernel_sandbox as gs

    monkeypatch.setattr(gs, "sandbox_problem", lambda: "bwrap is not installed")
    monkeypatch.delenv(parallel_grade.UNSANDBOXED_ENV, raising=False)
    with pytest.raises(CourseInputError, match="cannot sandbox student code: bwrap is not installed"):
        grade_assignment(course, NAME)
    with pytest.warns(UserWarning, match="WITHOUT the sandbox"):
        outcomes = grade_assignment(course, NAME, allow_unsandboxed=True)
    assert [(o.student, o.status) for o in outcomes] == [("broken", "refused")]
