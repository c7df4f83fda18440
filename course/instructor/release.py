"""Regenerate release/ from source/: run the teaching cells, then let nbgrader make the stubs.

The build works in a scratch copy of the course, so the repository's gradebook and source
notebooks are never touched. `python -m course.instructor.release` is what `make release` runs.
"""

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from nbclient import NotebookClient

from course import notebooks
from course.grading.nbgrader_setup import course_api, run_step
from course.instructor.freshness import stale_answers

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 120


def scratch_course(root: Path, into: Path) -> Path:
    """Copy what nbgrader needs (config and source/) from ROOT into the folder INTO."""
    shutil.copy2(root / "nbgrader_config.py", into / "nbgrader_config.py")
    shutil.copytree(root / "source", into / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return into


def use_gradebook(course: Path, db_url: str) -> Path:
    """Make the course folder COURSE keep its grades at DB_URL, whatever $COURSE_GRADEBOOK_URL says."""
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    return course


def execute(path: Path) -> None:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, keeping outputs."""
    nb = notebooks.read(path)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    notebooks.write(nb, path)


def generate(course: Path, names: list[str]) -> None:
    """nbgrader generate_assignment for NAMES inside the course folder COURSE."""
    api = course_api(course)
    for name in names:
        run_step(api.generate_assignment(name, force=True), f"generate_assignment {name}")


def tidy_release(folder: Path) -> None:
    """Normalise released notebooks: no execution counts, no run metadata, repository layout."""
    for path in notebooks.notebook_paths(folder):
        nb = notebooks.read(path)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
            if cell.cell_type == "code":
                cell.execution_count = None
        notebooks.write(nb, path)


def build_release(root: Path, out: Path, names: list[str] | None = None, run: bool = True) -> list[str]:
    """Build the release of NAMES (default all) from ROOT/source into OUT/<name>/."""
    names = names or notebooks.assignments(root)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        course = scratch_course(root, Path(tmp))
        use_gradebook(course, f"sqlite:///{course / 'gradebook.db'}")  # never the course's real one
        if run:
            for name in names:
                for path in notebooks.notebook_paths(course / "source" / name):
                    execute(path)
        generate(course, names)
        for name in names:
            target = out / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(course / "release" / name, target)
            tidy_release(target)
    return names


def main(argv: list[str]) -> int:
    """Regenerate release/ (all assignments, or those named on the command line).

    Refused while an exercise's answer names a model or service that is already gone.
    """
    stale = stale_answers(ROOT, dt.date.today(), argv or None)
    if stale:
        print(
            "release refused: answers that name what no longer exists:", *stale, sep="\n  ", file=sys.stderr
        )
        return 2
    names = build_release(ROOT, ROOT / "release", argv or None)
    print(f"release/ regenerated for {len(names)} assignment(s): {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
