"""A class on JupyterHub in a real browser: one instructor and two students, each a local Unix user.

The test makes two students and an instructor with unique names (hub/users: useradd, chpasswd), sets
up the class in a scratch folder (hub/setup.py: system nbgrader config, role configs, exchange, the
instructor's course folder) and starts JupyterHub (hub/jupyterhub_config.py) on free local ports,
with the class venv and the proxy that hub/install puts in place. Chromium (Playwright) logs each
user in through the hub's login page (PAM). The instructor releases 01-cloud-computing (`course
release`, as the instructor) and sees it in formgrader; each student fetches it in the Assignment
List, answers one exercise (A rightly, B wrongly), validates and submits. hub/grade.py collects,
grades with `course grade` (as root) and releases feedback; each student fetches their feedback in
the Assignment List and reads their score in it. Then student B tries A's files: A's server through
the hub, A's home, the exchange's inbound and the instructor's course folder; all are refused.

The users, their homes, the groups, the hub and every process of these users are removed afterwards,
also on a failure. Nothing of the repository's own gradebook or exchange is used. Screenshots go to
build/screenshots/hub-<step>.png, and hub-FAILED-<step>.png for a failure.

Needs root, Debian's Chromium and playwright (as tests/test_browser.py), the class venv and the
proxy (`hub/install`, which `make hub` runs). Without them the test skips, loudly; with
COURSE_REQUIRE_BROWSER=1 that skip is a failure.
"""

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, UI_TIMEOUT_MS, _free_port, _lab_settings

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "hub"
NAME = "01-cloud-computing"
COURSE_ID = "aws-cloud-practitioner"
ANSWER_CELL = "ex6-choose-region"  # a Region chosen for compliance: a string answer
SCREENSHOTS = ROOT / "build" / "screenshots"
CLASS_VENV = Path(os.environ.get("HUB_VENV", "/opt/aws-cloud-practitioner/venv"))
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT_S = 60  # the hub answering /hub/health
SPAWN_TIMEOUT_MS = 120_000  # a user's JupyterLab started by the hub and loaded in the page
VALIDATE_TIMEOUT_MS = 180_000  # nbgrader runs the whole notebook in the student's server

pytestmark = pytest.mark.slow


def _require_hub() -> None:
    """Skip (or, with COURSE_REQUIRE_BROWSER=1, fail) when something the class hub needs is missing."""
    missing = []
    if os.geteuid() != 0:
        missing.append("not root (the hub runs as root and the test creates Unix users)")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set COURSE_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is not installed (pip install -e '.[test]')")
    if not os.access(PROXY, os.X_OK):
        missing.append(f"no {PROXY.relative_to(ROOT)} (npm ci --prefix hub; hub/install does it)")
    if not os.access(CLASS_VENV / "bin" / "jupyterhub", os.X_OK):
        missing.append(f"no class venv with JupyterHub at {CLASS_VENV} (hub/install, as root)")
    if missing:
        reason = "HUB TEST NOT RUN: " + "; ".join(missing)
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (COURSE_REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
        pytest.skip(reason)


def _answers() -> tuple[str, str, str]:
    """The exercise's right answer (its solution in source/), a wrong one, and the visible check's text."""
    source = json.loads((ROOT / "source" / NAME / f"{NAME}.ipynb").read_text())
    cells = {c["id"]: "".join(c["source"]) for c in source["cells"]}
    solution = re.search(r"### BEGIN SOLUTION\n(.*?)\n### END SOLUTION", cells[ANSWER_CELL], re.S)
    assert solution, f"no solution in {ANSWER_CELL} of source/{NAME}"
    right = solution.group(1).strip()
    wrong = re.sub(r'"[^"]*"', '"us-east-1"', right)  # a real Region, but not the one asked for
    assert wrong != right, f"the solution of {ANSWER_CELL} has no string to get wrong: {right}"
    check = f'check_type("{right.split("=")[0].strip()}"'
    assert check in cells[f"{ANSWER_CELL}-tests"], f"{ANSWER_CELL}-tests has no {check}"
    return right, wrong, check


def _course_package_current() -> bool:
    """Whether the class venv's copy of the course package has the checkout's files."""
    site = next((CLASS_VENV / "lib").glob("python3*/site-packages"), None)
    if site is None or not (site / "course").is_dir():
        return False
    for path in (ROOT / "course").rglob("*"):
        if path.suffix in (".py", ".json", ".csv") and "__pycache__" not in path.parts:
            installed = site / path.relative_to(ROOT)
            if not installed.is_file() or installed.read_bytes() != path.read_bytes():
                return False
    return True


def _as_user(name: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run COMMAND as the Unix user NAME (their groups and home), with the class venv first on PATH."""
    user = pwd.getpwnam(name)
    env = {
        "HOME": user.pw_dir,
        "USER": name,
        "LOGNAME": name,
        "PATH": f"{CLASS_VENV / 'bin'}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        command,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=os.getgrouplist(name, user.pw_gid),
        env=env,
        cwd=user.pw_dir,
        capture_output=True,
        text=True,
        **kwargs,
    )


def _user_pids(uids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


class Class:
    """The class's users, folders and hub; close() removes all of it."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.students_group, self.instructors_group = f"cpt{tag}", f"cpt{tag}-ins"
        self.instructor, self.a, self.b = f"cpt{tag}i", f"cpt{tag}a", f"cpt{tag}b"
        self.passwords: dict[str, str] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="course-hub-"))
        self.folder.chmod(0o755)  # the users reach the exchange and the config in it
        self.hub: subprocess.Popen | None = None
        self.log_path = self.folder / "jupyterhub.log"
        self.port = _free_port()
        self.settings = self.folder / "etc" / COURSE_ID / "hub.json"

    @property
    def users(self) -> list[str]:
        return [self.instructor, self.a, self.b]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def exchange(self) -> Path:
        return self.folder / "exchange"

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def create_users(self) -> None:
        command = [
            str(HUB / "users"),
            "--students-group", self.students_group,
            "--instructors-group", self.instructors_group,
            "--instructor", self.instructor,
            self.a, self.b,
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        self.passwords = dict(re.findall(r"^login (\S+) password (\S+)$", out, re.M))
        assert set(self.passwords) == set(self.users), out
        for name in self.users:
            user = pwd.getpwnam(name)
            assert Path(user.pw_dir).stat().st_mode & 0o777 == 0o700, f"{name}'s home is not private"
            settings = Path(user.pw_dir) / ".jupyter" / "lab" / "user-settings"
            _lab_settings(settings)
            for path in (Path(user.pw_dir) / ".jupyter", *(Path(user.pw_dir) / ".jupyter").rglob("*")):
                os.chown(path, user.pw_uid, user.pw_gid)

    def set_up(self) -> None:
        command = [
            str(CLASS_VENV / "bin" / "python"), str(HUB / "setup.py"),
            "--instructor", self.instructor,
            "--etc", str(self.folder / "etc"),
            "--exchange", str(self.exchange),
            "--state", str(self.folder / "state"),
            "--students-group", self.students_group,
            "--instructors-group", self.instructors_group,
            "--bind-url", self.url,
            "--hub-port", str(_free_port()),
            "--proxy-api-port", str(_free_port()),
        ]  # fmt: skip
        subprocess.run(command, capture_output=True, text=True, check=True)

    def start(self) -> None:
        skip = ("NBGRADER_", "COURSE_AWS", "JUPYTER")
        env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        env |= {"COURSE_HUB_SETTINGS": str(self.settings), "PATH": f"{CLASS_VENV / 'bin'}:/usr/bin:/bin"}
        self.log = self.log_path.open("w")
        self.hub = subprocess.Popen(
            [str(CLASS_VENV / "bin" / "jupyterhub"), "-f", str(HUB / "jupyterhub_config.py")],
            cwd=self.folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.hub.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.hub.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterHub did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        """Stop the hub (it stops everyone's JupyterLab), then remove the users, groups and folders."""
        if self.hub and self.hub.poll() is None:
            self.hub.send_signal(signal.SIGTERM)
            try:
                self.hub.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if self.hub:
            try:  # the proxy shares the hub's process group
                os.killpg(self.hub.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.log.close()
        uids = set()
        for name in self.users:
            try:
                uids.add(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        for pid in _user_pids(uids):  # servers, kernels and moto left by a failure
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while _user_pids(uids) and time.monotonic() < deadline:
            time.sleep(0.2)
        subprocess.run([str(HUB / "users"), "--remove", *self.users], capture_output=True)
        for group in (self.students_group, self.instructors_group):
            subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


class Steps:
    """Names the step in progress, screenshots a page after each step, and the page on a failure."""

    def __init__(self):
        self.current, self.page, self.taken = "start", None, []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob("hub-*.png"):
            old.unlink()

    def start(self, name: str, page) -> None:
        self.current, self.page = name, page

    def shot(self, name: str | None = None) -> Path:
        path = SCREENSHOTS / f"hub-{name or self.current}.png"
        self.page.screenshot(path=path, full_page=False, timeout=UI_TIMEOUT_MS)
        self.taken.append(path)
        return path


def test_class_on_jupyterhub():
    _require_hub()
    started = time.monotonic()
    if not _course_package_current():  # the class venv holds a copy of the course package
        subprocess.run([str(HUB / "install"), "--course-only"], check=True, capture_output=True)
    room = Class()
    try:
        room.create_users()
        room.set_up()
        room.start()
        _class(room)
    finally:
        room.close()
    for name in room.users:
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
    assert not room.folder.exists()
    print(f"hub test: {time.monotonic() - started:.0f} s in all")


def _login(page, room: Class, name: str, steps: Steps | None) -> None:
    page.goto(f"{room.url}/hub/login", timeout=UI_TIMEOUT_MS)
    page.fill("#username_input", name)
    page.fill("#password_input", room.passwords[name])
    if steps:
        steps.shot("login")
    page.click("#login_submit")


def _class(room: Class) -> None:
    from playwright.sync_api import expect, sync_playwright

    course = room.home(room.instructor) / COURSE_ID
    release = subprocess.Popen(  # while the users log in
        [str(CLASS_VENV / "bin" / "course"), "release", NAME, "--course", str(course)],
        user=room.instructor,
        group=room.instructor,
        extra_groups=os.getgrouplist(room.instructor, pwd.getpwnam(room.instructor).pw_gid),
        env={"HOME": str(room.home(room.instructor)), "PATH": f"{CLASS_VENV / 'bin'}:/usr/bin:/bin"},
        cwd=course,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    steps = Steps()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=UI_TIMEOUT_MS
        )
        try:
            pages = {}
            for name in room.users:
                pages[name] = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                pages[name].set_default_timeout(UI_TIMEOUT_MS)
            try:
                _browser_steps(room, pages, steps, release, expect)
            except Exception as error:
                try:
                    failure = steps.shot(f"FAILED-{steps.current}") if steps.page else "none"
                except Exception as shot_error:  # a crashed page cannot be photographed
                    failure = f"none ({shot_error.__class__.__name__})"
                raise AssertionError(
                    f"hub step {steps.current!r} failed ({error.__class__.__name__}: {error}); "
                    f"screenshot: {failure}\nJupyterHub log:\n{room.log_tail()}"
                ) from error
        finally:
            browser.close()
            if release.poll() is None:
                release.kill()
    print("hub screenshots: " + ", ".join(str(p.relative_to(ROOT)) for p in steps.taken))


def _browser_steps(room: Class, pages: dict, steps: Steps, release, expect) -> None:
    right, wrong, check = _answers()
    students = {room.a: right, room.b: wrong}
    label = {room.instructor: "instructor", room.a: "student-a", room.b: "student-b"}
    steps.start("login", pages[room.a])
    for name in room.users:  # all three log in; the hub starts their servers at once
        _login(pages[name], room, name, steps if name == room.a else None)
    for name in room.users:
        steps.start(f"lab-{label[name]}", pages[name])
        expect(pages[name].locator("#jp-main-dock-panel")).to_be_visible(timeout=SPAWN_TIMEOUT_MS)
        assert pages[name].url.startswith(f"{room.url}/user/{name}/lab"), pages[name].url

    steps.start("roles", pages[room.a])
    for name in room.users:
        page = pages[name]
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        expect(page.get_by_role("menuitem", name="Assignment List", exact=True)).to_be_visible()
        formgrader = page.get_by_role("menuitem", name="Formgrader", exact=True)
        if name == room.instructor:
            expect(formgrader).to_be_visible()
        else:
            expect(formgrader).to_have_count(0)
            reply = page.request.get(f"{room.url}/user/{name}/formgrader", max_redirects=0)
            assert reply.status == 404, f"a student's server serves formgrader ({reply.status})"
        if name == room.a:
            steps.shot("student-menu")  # the menu open: the Assignment List only
        page.keyboard.press("Escape")

    steps.start("release", pages[room.instructor])
    out, _ = release.communicate(timeout=120)
    assert release.returncode == 0, f"course release failed:\n{out}"
    # formgrader in its own browser tab: JupyterHub forbids framing a user's pages (frame-ancestors
    # 'none'), so JupyterLab's Formgrader tab stays empty (nbgrader issues #1870 and #1947).
    grader = pages[room.instructor].context.new_page()
    steps.start("release", grader)
    grader.goto(f"{room.url}/user/{room.instructor}/formgrader", timeout=UI_TIMEOUT_MS)
    expect(grader.locator("#main-table")).to_contain_text(NAME, timeout=60_000)
    expect(grader.locator("#main-table")).to_contain_text("released")
    steps.shot("instructor-formgrader")
    grader.close()

    for name in students:  # each fetches, answers and presses Validate; the servers validate meanwhile
        _fetch_and_answer(pages[name], room, name, label[name], students[name], steps, expect)
    for name in students:
        _validated_and_submitted(pages[name], label[name], check, name == room.a, steps, expect)

    steps.start("grade", pages[room.instructor])
    grade = subprocess.run(
        [sys.executable, str(HUB / "grade.py"), NAME, "--settings", str(room.settings)],  # root's venv grades
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert grade.returncode == 0, f"hub/grade.py failed:\n{grade.stdout}\n{grade.stderr}"
    scores = _scores(room.home(room.instructor) / COURSE_ID)
    assert set(scores) == set(students), scores
    assert scores[room.a] > scores[room.b], f"the right answer did not score more: {scores}\n{grade.stdout}"
    print(grade.stdout)

    for name in students:
        _feedback(pages[name], room, name, label[name], scores[name], steps, expect)

    steps.start("isolation", pages[room.b])
    _isolation(room, pages[room.b], expect)
    steps.shot()


def _fetch_and_answer(
    page, room: Class, name: str, label: str, answer_text: str, steps: Steps, expect
) -> None:
    from test_browser import _cell

    steps.start(f"fetch-{label}", page)
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    released = page.locator("#released_assignments_list .list_item", has_text=NAME)
    expect(released).to_be_visible()
    released.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=NAME).first
    expect(fetched).to_be_visible()
    notebook_file = room.home(name) / COURSE_ID / NAME / f"{NAME}.ipynb"
    assert notebook_file.is_file(), f"Fetch did not put the notebook at {notebook_file}"
    assert notebook_file.stat().st_uid == pwd.getpwnam(name).pw_uid, "fetched, but not as the student"
    cells = [c["id"] for c in json.loads(notebook_file.read_text())["cells"]]
    steps.shot()

    steps.start(f"answer-{label}", page)
    fetched.locator(".assignment-notebooks-link").click()
    fetched.locator(".nested_list_item a", has_text=NAME).click()
    notebook = page.locator(".jp-NotebookPanel:visible")
    expect(notebook.locator(".jp-Notebook .jp-Cell")).to_have_count(len(cells), timeout=60_000)
    answer = _cell(page, cells.index(ANSWER_CELL))
    answer.scroll_into_view_if_needed()
    answer.locator(".cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(answer_text)
    steps.shot()
    page.locator(".jp-NotebookPanel:visible .validate-button").click()  # saves, then validates


def _validated_and_submitted(page, label: str, check: str, right: bool, steps: Steps, expect) -> None:
    steps.start(f"validate-{label}", page)
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    expect(dialog).to_be_visible(timeout=VALIDATE_TIMEOUT_MS)
    report = dialog.inner_text()
    steps.shot()
    # The other exercises are unanswered: they are reported; a right answer passes its visible test.
    assert "NotImplementedError" in report, report
    assert (check not in report) == right, f"{ANSWER_CELL}, right={right}:\n{report}"
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)

    steps.start(f"submit-{label}", page)
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=NAME).first
    fetched.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=NAME)
    expect(submitted.locator(".nested_list_item")).to_have_count(1)
    steps.shot()


def _scores(course: Path) -> dict[str, float]:
    """Each student's score on NAME, from the instructor's gradebook (read-only)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(NAME)}


def _feedback(page, room: Class, name: str, label: str, score: float, steps: Steps, expect) -> None:
    steps.start(f"feedback-{label}", page)
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    page.locator("#refresh_assignments_list").click()
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=NAME).first
    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(submitted.get_by_text("(view feedback)")).to_be_visible(timeout=60_000)
    pages = sorted((room.home(name) / COURSE_ID / NAME / "feedback").glob(f"*/{NAME}.html"))
    assert len(pages) == 1, f"feedback fetched for {name}: {pages}"
    relative = pages[0].relative_to(room.home(name))
    page.goto(f"{room.url}/user/{name}/files/{relative}", timeout=UI_TIMEOUT_MS)
    expect(page.locator("body")).to_contain_text(f"{NAME} (Score: {round(float(score), 2)} / 19.0)")
    steps.shot()


PROBE = """
import json, os, sys
results = {}
for what, path in json.loads(sys.argv[1]).items():
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        results[what] = "read"
    except OSError as error:
        results[what] = type(error).__name__
print(json.dumps(results))
"""


def _isolation(room: Class, page_b, expect) -> None:
    """Student B cannot reach A's server, A's files, the others' submissions or the course folder."""
    reply = page_b.request.get(f"{room.url}/user/{room.a}/api/contents", max_redirects=0)
    assert reply.status in (302, 403), f"B's request to A's server got {reply.status}"
    page_b.goto(f"{room.url}/user/{room.a}/lab", timeout=UI_TIMEOUT_MS)
    expect(page_b.locator("body")).to_contain_text("403")
    home_a = room.home(room.a)
    course = room.home(room.instructor) / COURSE_ID
    targets = {
        "A's home": str(home_a),
        "A's notebook": str(home_a / COURSE_ID / NAME / f"{NAME}.ipynb"),
        "the exchange's inbound": str(room.exchange / COURSE_ID / "inbound"),
        "the exchange's feedback": str(room.exchange / COURSE_ID / "feedback"),
        "the instructor's course folder": str(course),
        "the solutions": str(course / "source" / NAME / f"{NAME}.ipynb"),
    }
    probe = _as_user(room.b, [str(CLASS_VENV / "bin" / "python"), "-c", PROBE, json.dumps(targets)])
    assert probe.returncode == 0, probe.stderr
    results = json.loads(probe.stdout)
    assert all(v == "PermissionError" for v in results.values()), f"B could read: {results}"
    own = {"B's own notebook": str(room.home(room.b) / COURSE_ID / NAME / f"{NAME}.ipynb")}
    mine = _as_user(room.b, [str(CLASS_VENV / "bin" / "python"), "-c", PROBE, json.dumps(own)])
    assert json.loads(mine.stdout) == {"B's own notebook": "read"}, mine.stdout
    # A's submission sits in the exchange under a name with a random part, in a folder B cannot list.
    submissions = [p.name for p in (room.exchange / COURSE_ID / "inbound").iterdir()]
    assert any(s.startswith(f"{room.a}+{NAME}+") and s.count("+") == 3 for s in submissions), submissions
