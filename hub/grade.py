"""Grade an assignment of the class hub and hand the feedback back (run as root, the grader).

    .venv/bin/python hub/grade.py 01-cloud-computing      (the checkout's venv, root's)

In the instructor's course folder (named in the hub's settings, see hub/setup.py):
1. `course collect` as the instructor: the submissions from the exchange's inbound into submitted/;
2. `course grade` as root, from the venv running this script (the checkout's, where grading is
   tested): each notebook in its own sandboxed kernel, with a uid of its own (see "Grading safety and
   threat model" in README.md); then the folder is given back to the instructor;
3. `course feedback` as the instructor: one HTML page per student, hidden tests removed;
4. `nbgrader release_feedback` as the instructor: the pages into the exchange, where each student's
   Assignment List finds their own ("Fetch Feedback").
An instructor with root can run each step by hand; one without runs all four as themselves (grading
then needs user namespaces for its sandbox).
"""

import argparse
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path


def as_user(user: pwd.struct_passwd, command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run COMMAND as USER (their groups, home and umask), in CWD; raise if it fails."""
    subprocess.run(
        command,
        cwd=cwd,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=os.getgrouplist(user.pw_name, user.pw_gid),
        umask=0o022,
        env=env | {"HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name},
        check=True,
    )


def give_back(folder: Path, user: pwd.struct_passwd) -> None:
    """Give FOLDER and everything in it to USER (what root's grading wrote there)."""
    for path in (folder, *folder.rglob("*")):
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("assignment", help="e.g. 01-cloud-computing")
    p.add_argument(
        "--settings",
        default=os.environ.get("COURSE_HUB_SETTINGS", "/etc/jupyter/aws-cloud-practitioner/hub.json"),
        help="the hub's settings (written by hub/setup.py)",
    )
    p.add_argument("--workers", default="2", help="submissions graded at once (default 2)")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("hub/grade.py grades as root and acts as the instructor: run it as root")
    settings = json.loads(Path(args.settings).read_text())
    instructor = pwd.getpwnam(settings["instructor"])
    course, name = Path(settings["course"]), args.assignment
    bindir = Path(settings["venv_bin"])
    env = {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin", "LANG": os.environ.get("LANG", "C.UTF-8")}
    run_as = {"cwd": course, "env": env}

    as_user(instructor, [str(bindir / "course"), "collect", name, "--course", str(course)], **run_as)
    try:
        grader = Path(sys.executable).parent / "course"
        grade = [str(grader), "grade", name, "--course", str(course), "--workers", args.workers]
        subprocess.run(grade, cwd=course, env=os.environ | {"LANG": env["LANG"]}, check=True)
    finally:
        give_back(course, instructor)
    as_user(instructor, [str(bindir / "course"), "feedback", name, "--course", str(course)], **run_as)
    as_user(instructor, [str(bindir / "nbgrader"), "release_feedback", name], **run_as)
    print(f"feedback of {name} released to {settings['exchange']} (Assignment List: Fetch Feedback)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
