"""Moving assignments between instructor and students with nbgrader: release, collect, zip collect."""

import os
import re
import shutil
import zipfile
from pathlib import Path

from nbgrader.apps import ZipCollectApp
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Dict, List

from course.errors import CourseInputError
from course.grading.nbgrader_setup import check_assignment, course_api, run_step
from course.instructor.roster import load_roster

# Canvas names each downloaded file LOGIN[_LATE]_USERID_SUBMISSIONID_ORIGINALNAME.
CANVAS_FILE = r".*/(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+)$"


def release(root: Path, name: str) -> Path:
    """Generate the student version of NAME from source/ and put it in the exchange for students."""
    check_assignment(root, name)
    api = course_api(root)
    run_step(api.generate_assignment(name, force=True), f"generate_assignment {name}")
    run_step(api.release_assignment(name), f"release_assignment {name}")
    return Path(api.config.Exchange.root) / api.coursedir.course_id / "outbound" / name


def collect(root: Path, name: str) -> list[str]:
    """Copy the students' latest submissions of NAME from the exchange into submitted/."""
    check_assignment(root, name)
    run_step(course_api(root).collect(name), f"collect {name}")
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{name}") if p.is_dir())


class RosterCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector that maps an LMS login to a roster id and skips strangers."""

    login_to_id = Dict({}, help="LMS login (or SIS login) to roster id").tag(config=True)
    roster_ids = List([], help="ids on the roster; empty means no roster was imported").tag(config=True)

    def collect(self, submitted_file: str) -> dict | None:
        found = super().collect(submitted_file)
        if found:
            found["student_id"] = self.login_to_id.get(found["student_id"], found["student_id"])
            if self.roster_ids and found["student_id"] not in self.roster_ids:
                self.log.warning("skipping %s: %s is not on the roster", submitted_file, found["student_id"])
                return None
        return found


def collect_zip(root: Path, name: str, archive: Path) -> tuple[list[str], list[str]]:
    """Collect NAME from an LMS download ARCHIVE (Canvas file naming) into submitted/.

    Returns the students collected and the files skipped (not matching the naming, or not on the roster).
    """
    check_assignment(root, name)
    if not zipfile.is_zipfile(archive):
        raise CourseInputError(f"{archive} is not a zip archive")
    roster = load_roster(root)
    login_to_id = {s.sis_login_id: s.id for s in roster.values() if s.sis_login_id}
    inbox = root / "downloaded" / name / "archive"
    shutil.rmtree(root / "downloaded" / name, ignore_errors=True)
    inbox.mkdir(parents=True)
    shutil.copy2(archive, inbox / Path(archive).name)

    api = course_api(root)
    config = api.config.copy()
    config.ZipCollectApp.collector_plugin = RosterCollector
    config.ZipCollectApp.force = True
    config.ZipCollectApp.strict = True
    config.FileNameCollectorPlugin.named_regexp = CANVAS_FILE
    config.RosterCollector.named_regexp = CANVAS_FILE
    config.RosterCollector.login_to_id = login_to_id
    config.RosterCollector.roster_ids = sorted(roster)
    app = ZipCollectApp(coursedir=api.coursedir, config=config)
    app.coursedir.assignment_id = name
    previous = os.getcwd()
    try:
        os.chdir(root)
        app.start()
    finally:
        os.chdir(previous)
    with zipfile.ZipFile(archive) as z:
        files = [Path(n).name for n in z.namelist() if n.endswith(".ipynb")]
    collected = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{name}") if p.is_dir())
    skipped = [f for f in files if not _collected(f, login_to_id, collected)]
    return collected, skipped


def _collected(filename: str, login_to_id: dict[str, str], collected: list[str]) -> bool:
    match = re.match(CANVAS_FILE, "/" + filename)
    return bool(match) and login_to_id.get(match["student_id"], match["student_id"]) in collected
