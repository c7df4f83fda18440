"""The student's path in a real browser: JupyterLab with nbgrader, driven by Chromium through Playwright.

A scratch copy of the course gets its own exchange; nbgrader generates and releases
01-cloud-computing into it; JupyterLab serves the copy. In Chromium the student opens the
Assignment List, fetches the assignment, opens its notebook, runs all cells, answers one exercise,
presses Validate and reads the result, then submits from the Assignment List; the submission must
arrive in the exchange with the answer in it.

Needs Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it) and the `playwright`
package (a test extra). Without Chromium the test skips, loudly; with COURSE_REQUIRE_BROWSER=1
(set by `.ci/run`) that skip is a failure. Every wait is bounded. Screenshots go to
build/screenshots/: one per step of a successful run, and `browser-FAILED-<step>.png` for a failure.
"""

import getpass
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course import notebooks
from course.grading.nbgrader_setup import course_api, run_step

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
COURSE_ID = "aws-cloud-practitioner"
ANSWER_CELL = "ex6-choose-region"
ANSWER = 'canadian_region = "ca-west-1"'
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
# Chromium as root on a machine without a network: no sandbox, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 90  # JupyterLab answering its REST API
UI_TIMEOUT_MS = 30_000  # any one click or page element
RUN_TIMEOUT_MS = 120_000  # a kernel start and the cells up to the first exercise
VALIDATE_TIMEOUT_MS = 180_000  # nbgrader runs the whole notebook on the server to validate
KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")  # the status bar once the kernel is up

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    """Skip (or, with COURSE_REQUIRE_BROWSER=1, fail) when Chromium or Playwright is missing."""
    missing = []
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set COURSE_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is not installed (pip install -e '.[test]')")
    if missing:
        reason = "BROWSER TEST NOT RUN: " + "; ".join(missing)
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (COURSE_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_settings(folder: Path) -> None:
    """User settings for a predictable UI: every cell in the page, no news or update pop-ups."""
    settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _scratch_course(folder: Path) -> Path:
    """A copy of the course whose nbgrader config puts gradebook and exchange inside FOLDER."""
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for part in ("source", "release"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    api = course_api(folder)
    run_step(api.generate_assignment(NAME, force=True), f"generate_assignment {NAME}")
    run_step(api.release_assignment(NAME), f"release_assignment {NAME}")
    return folder


class JupyterLab:
    """`jupyter lab` on FOLDER, on a free local port with a random token; stop() ends it and its kernels."""

    def __init__(self, folder: Path, home: Path):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / "jupyterlab.log"
        _lab_settings(home / "settings")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NBGRADER_", "COURSE_AWS"))}
        env |= {
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),  # nbgrader's cache of submissions lives here
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        }
        command = [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={folder}",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(status, timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # twice: JupyterLab asks for confirmation after one
            time.sleep(0.2)
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        try:  # kernels started by the server share its process group
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


class Steps:
    """Names the step in progress, screenshots each finished one, and the page on a failure."""

    def __init__(self, page):
        self.page, self.current, self.taken = page, "start", []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("browser-*.png"):
            old.unlink()

    def start(self, name: str) -> None:
        self.current = name

    def shot(self, name: str | None = None) -> Path:
        path = SCREENSHOTS / f"browser-{name or self.current}.png"
        self.page.screenshot(path=path, full_page=False, timeout=UI_TIMEOUT_MS)
        self.taken.append(path)
        return path


def _cell(page, index: int):
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)


def _wait_executed(cell, timeout_ms: int) -> None:
    """Wait until a code cell's prompt shows an execution count ([12]: rather than [ ]: or [*]:)."""
    from playwright.sync_api import expect

    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout_ms)


def test_student_fetches_runs_validates_and_submits(tmp_path):
    _require_browser()
    course = _scratch_course(tmp_path / "course")
    server = JupyterLab(course, tmp_path / "home")
    try:
        server.wait_ready()
        _student_path(course, server)
    finally:
        server.stop()


def _student_path(course: Path, server: JupyterLab) -> None:
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    fetched = course / COURSE_ID / NAME / f"{NAME}.ipynb"
    exchange_inbound = course / ".exchange" / COURSE_ID / "inbound"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=UI_TIMEOUT_MS
        )
        try:
            page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            steps = Steps(page)
            try:
                steps.start("open-lab")
                page.goto(server.url, timeout=UI_TIMEOUT_MS)
                expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=60_000)
                expect(page.get_by_role("menuitem", name="Nbgrader", exact=True)).to_be_visible()

                steps.start("assignment-list")
                page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
                page.get_by_role("menuitem", name="Assignment List", exact=True).click()
                released = page.locator("#released_assignments_list .list_item", has_text=NAME)
                expect(released).to_be_visible()
                steps.shot()

                steps.start("fetch")
                released.get_by_role("button", name="Fetch").click()
                downloaded = page.locator("#fetched_assignments_list .list_item", has_text=NAME).first
                expect(downloaded).to_be_visible()
                assert fetched.is_file(), f"Fetch did not put the notebook at {fetched}"
                cells = [c.id for c in notebooks.read(fetched).cells]

                steps.start("open-notebook")
                downloaded.locator(".assignment-notebooks-link").click()
                downloaded.locator(".nested_list_item a", has_text=NAME).click()
                notebook = page.locator(".jp-NotebookPanel:visible")
                expect(notebook.locator(".jp-Notebook .jp-Cell")).to_have_count(len(cells), timeout=60_000)
                expect(page.locator(".jp-NotebookPanel:visible .validate-button")).to_be_visible()
                # The kernel must be up and idle before Run All, or the run is dropped.
                expect(page.locator(".jp-StatusBar-Widget", has_text=KERNEL_IDLE).first).to_be_visible(
                    timeout=60_000
                )

                steps.start("run-all")
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                first_answer = next(i for i, c in enumerate(cells) if c.startswith("ex"))
                kinds = [c.cell_type for c in notebooks.read(fetched).cells]
                last_code = max(i for i, kind in enumerate(kinds) if kind == "code")
                # Run All goes through the whole unanswered notebook: every exercise and test cell is
                # tagged raises-exception, so the stubs' NotImplementedError does not stop it.
                _wait_executed(_cell(page, last_code), RUN_TIMEOUT_MS)
                expect(_cell(page, first_answer).locator(".jp-OutputArea-output")).to_contain_text(
                    "NotImplementedError", timeout=RUN_TIMEOUT_MS
                )
                _cell(page, first_answer).scroll_into_view_if_needed()
                steps.shot()

                steps.start("answer")
                answer_index = cells.index(ANSWER_CELL)
                answer, test = _cell(page, answer_index), _cell(page, answer_index + 1)
                answer.locator(".cm-content").click()
                page.keyboard.press("ControlOrMeta+a")
                page.keyboard.insert_text(ANSWER)
                page.keyboard.press("Shift+Enter")
                _wait_executed(answer, RUN_TIMEOUT_MS)
                page.keyboard.press("Shift+Enter")
                _wait_executed(test, RUN_TIMEOUT_MS)
                test_output = test.locator(".jp-OutputArea").inner_text()
                assert "Error" not in test_output, f"the test cell under a right answer failed: {test_output}"
                steps.shot()

                steps.start("validate")
                page.locator(".jp-NotebookPanel:visible .validate-button").click()
                dialog = page.locator(".jp-Dialog", has_text="Validation Results")
                expect(dialog).to_be_visible(timeout=VALIDATE_TIMEOUT_MS)
                report = dialog.inner_text()
                steps.shot()
                # Only the answered exercise passes: every other test cell is reported, this one is not.
                assert "The following cell failed:" in report, report
                assert 'check_type("canadian_region"' not in report, (
                    f"{ANSWER_CELL} reported failing:\n{report}"
                )
                assert 'check_labels("deployment_model"' in report, report
                assert "NotImplementedError" in report, report
                dialog.get_by_role("button", name="Ok").click()
                expect(dialog).to_have_count(0)
                saved = notebooks.read(fetched).cells[answer_index].source
                assert ANSWER in saved, f"Validate did not save the answer first: {saved!r}"

                steps.start("submit")
                page.locator(".lm-TabBar-tab", has_text="Assignments").click()
                downloaded = page.locator("#fetched_assignments_list .list_item", has_text=NAME).first
                downloaded.get_by_role("button", name="Submit").click()
                submitted = page.locator("#submitted_assignments_list .list_item", has_text=NAME)
                expect(submitted.locator(".nested_list_item")).to_have_count(1)
                expect(downloaded.get_by_role("button", name="Submit")).to_be_enabled()
                steps.shot()
            except Exception as error:
                try:
                    failure = steps.shot(f"FAILED-{steps.current}")
                except Exception as shot_error:  # a crashed page cannot be photographed
                    failure = f"none ({shot_error.__class__.__name__})"
                raise AssertionError(
                    f"browser step {steps.current!r} failed ({error.__class__.__name__}); screenshot: "
                    f"{failure}\nJupyterLab log:\n{server.log_tail()}"
                ) from error
        finally:
            browser.close()

    arrived = sorted(exchange_inbound.glob(f"{getpass.getuser()}+{NAME}+*"))
    assert arrived, f"no submission in {exchange_inbound}"
    handed_in = notebooks.read(arrived[-1] / f"{NAME}.ipynb")
    assert ANSWER in next(c.source for c in handed_in.cells if c.id == ANSWER_CELL)
    print(
        f"browser test: {time.monotonic() - started:.0f} s in the browser; screenshots: "
        + ", ".join(str(p.relative_to(ROOT)) for p in steps.taken)
    )
