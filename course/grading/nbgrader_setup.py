"""nbgrader for this course: its API and config, which outputs a release keeps, what feedback may show,
and how grading splits nbgrader's own autograde steps between the workers and the gradebook's writer."""

import difflib
import os
import sys
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    Execute,
    NbGraderPreprocessor,
    SaveAutoGrades,
)
from traitlets import Unicode
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from course.errors import CourseInputError
from course.grading.sanitize import SanitizeSubmission


class ClearGradedOutput(NbGraderPreprocessor):
    """Clear outputs of answer and test cells only, so teaching outputs stay for readers."""

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            cell.execution_count = None
            if nbgrader.get("solution") or nbgrader.get("grade"):
                cell.outputs = []
        return cell, resources


class HideTestTracebacks(NbGraderPreprocessor):
    """Cut the tracebacks of test cells to their last line: the code around it may be hidden tests."""

    def preprocess_cell(self, cell, resources, index):
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


def release_preprocessors() -> list:
    """nbgrader's default release pipeline with ClearOutput swapped for ClearGradedOutput."""
    default = GenerateAssignment.class_traits()["preprocessors"].default()
    return [ClearGradedOutput if p is ClearOutput else p for p in default]


def feedback_preprocessors() -> list:
    """nbgrader's default feedback pipeline with hidden tests and test-cell tracebacks removed first,
    and the student's outputs and markdown made inert."""
    default = GenerateFeedback.class_traits()["preprocessors"].default()
    rest = [p for p in default if p is not ClearHiddenTests]
    return [ClearHiddenTests, HideTestTracebacks, SanitizeSubmission, *rest]


GRADEBOOK_URL_ENV = "COURSE_GRADEBOOK_URL"


def gradebook_url(root: Path) -> str:
    """The gradebook's database URL: $COURSE_GRADEBOOK_URL when set (for example
    `postgresql+psycopg://grader@db.example.edu/course`), else the SQLite file ROOT/gradebook.db."""
    return os.environ.get(GRADEBOOK_URL_ENV, "").strip() or f"sqlite:///{Path(root) / 'gradebook.db'}"


def course_api(root: Path) -> NbGraderAPI:
    """nbgrader's Python API for the course folder ROOT, configured by its nbgrader_config.py."""
    # nbgrader runs the `alembic` command: find it beside this Python even in an unactivated venv.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def run_step(result: dict, what: str) -> None:
    """Raise with nbgrader's own log when an API step failed (the API returns, never raises)."""
    if not result.get("success"):
        raise RuntimeError(f"nbgrader {what} failed:\n{result.get('log', '')}\n{result.get('error', '')}")


def find_course(start: Path | None = None) -> Path:
    """The nbgrader course folder: START (default: the current folder) or the nearest parent with a config."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise CourseInputError(f"no nbgrader_config.py in {here} or above: run this from the course folder")


def assignment_names(root: Path) -> list[str]:
    """Assignments the course can release: the folders under source/."""
    return (
        sorted(p.name for p in (root / "source").iterdir() if p.is_dir())
        if (root / "source").is_dir()
        else []
    )


def check_assignment(root: Path, name: str) -> str:
    """NAME if source/NAME exists, else a CourseInputError naming the ones that do."""
    known = assignment_names(root)
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise CourseInputError(f"unknown assignment {name!r}{hint} (known: {', '.join(known) or 'none'})")
    return name


# nbgrader's own autograde steps, split: workers run all but the gradebook writes, the parent the gradebook
# writes on what a worker executed (all but Execute on a submission that was not executed). The workers
# leave out the last CheckCellMetadata: nbgrader's sanitising pass ran it on the same cells, which
# executing does not change (the kernel sends outputs; the notebook stays in the worker).
NBGRADER_STEPS = Autograde.class_traits()["autograde_preprocessors"].default()
# SanitizeSubmission runs first in the parent: what nbgrader saves is inert (course.grading.sanitize).
RECORD_STEPS = [SanitizeSubmission, SaveAutoGrades, AssignLatePenalties]
EXECUTE_STEPS = [p for p in NBGRADER_STEPS if p not in (*RECORD_STEPS, CheckCellMetadata)]
SAVE_STEPS = [SanitizeSubmission, *[p for p in NBGRADER_STEPS if p is not Execute]]


class MarkUnfinished(NbGraderPreprocessor):
    """Give every graded cell an error output, so nbgrader scores it zero (after a timeout or tampering).

    The other outputs are cleared too: a submission zeroed for review keeps nothing its code printed
    (it may have printed the hidden tests), so its feedback cannot show it.
    """

    reason = Unicode("grading stopped", help="why the submission was not executed").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = []
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.outputs = [
                    nbformat.v4.new_output("error", ename="GradingStopped", evalue=self.reason, traceback=[])
                ]
        return cell, resources


def course_config(root: Path, **overrides: dict) -> Config:
    """The course's nbgrader_config.py under ROOT, with OVERRIDES per section."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    for section, values in overrides.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def api_for(config: Config) -> NbGraderAPI:
    """nbgrader's API on CONFIG."""
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
