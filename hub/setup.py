"""Set up this machine for a class on JupyterHub (run as root; `make hub` runs it).

Writes, and rewrites on every run (nothing a student or the instructor made is ever replaced):

- ETC/nbgrader_config.py: the system-wide nbgrader config every user's JupyterLab reads (the course id
  and the exchange);
- ETC/aws-cloud-practitioner/{student,instructor}/: one Jupyter config folder per role, which the hub
  puts first on JUPYTER_CONFIG_PATH: students get the Assignment List and Validate, and neither
  formgrader, Create Assignment nor Course List; instructors get all of nbgrader;
- ETC/aws-cloud-practitioner/hub.json: the settings hub/jupyterhub_config.py reads;
- the exchange, with the permissions nbgrader gives it: its root world-writable with the sticky bit
  (1777: nobody removes or renames what another made), the course's folder the instructor's (0755),
  `outbound` readable by all (0755), `inbound` writable but not listable by students (2733: a student
  can hand in, but cannot see anyone's submission, whose name ends in a random string), `feedback`
  not listable (0711: a student finds only their own, named by a hash of their submission);
- the instructor's course folder, ~INSTRUCTOR/aws-cloud-practitioner (0700, the instructor's own):
  a copy of source/ the first time, and an nbgrader_config.py that reuses the course's own settings
  with this exchange; and ~INSTRUCTOR/.jupyter/nbgrader_config.py, which points formgrader at it.

With --protect-checkout, the checkout's source/ (solutions and hidden tests) and its grading folders
are made unreadable by other users: the students' kernels import the course package from the
checkout, so it must stay readable, but not those.
"""

import argparse
import grp
import json
import os
import pwd
import shutil
import stat
import sys
from pathlib import Path

COURSE_ID = "aws-cloud-practitioner"
CHECKOUT = Path(__file__).resolve().parent.parent
# nbgrader's plugins that only an instructor needs: the lab extension's and the server extensions.
INSTRUCTOR_LAB_PLUGINS = ["formgrader", "create-assignment", "course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["formgrader", "course_list"]
PRIVATE_IN_CHECKOUT = ["source", "gradebook.db", ".exchange", "submitted", "autograded", "feedback"]

SYSTEM_NBGRADER_CONFIG = '''\
"""nbgrader for every user of the class hub (written by hub/setup.py)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
'''

COURSE_NBGRADER_CONFIG = '''\
"""nbgrader in the instructor's course folder on the class hub (written by hub/setup.py).

The course's own settings (release and feedback steps, time limits), with this folder as the course
and the hub's shared exchange.
"""
from pathlib import Path

load_subconfig("nbgrader_config.py", path={checkout!r})  # noqa: F821
here = Path(__file__).resolve().parent
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = str(here)
c.CourseDirectory.db_url = f"sqlite:///{{here / 'gradebook.db'}}"
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
'''

INSTRUCTOR_JUPYTER_CONFIG = '''\
"""formgrader's course: the instructor's course folder on the class hub (written by hub/setup.py)."""
load_subconfig("nbgrader_config.py", path={course!r})  # noqa: F821
'''


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instructor", required=True, help="the instructor's Unix user name (made by hub/users)")
    p.add_argument("--etc", default="/etc/jupyter", help="system Jupyter config folder (/etc/jupyter)")
    p.add_argument("--exchange", default="/srv/nbgrader/exchange", help="nbgrader's exchange root")
    p.add_argument("--state", default="/var/lib/aws-cloud-practitioner-hub", help="the hub's database")
    p.add_argument("--students-group", default=COURSE_ID, help="Unix group of the students")
    p.add_argument(
        "--instructors-group", default="aws-cp-instructors", help="... of the instructors (max 32 chars)"
    )
    p.add_argument("--bind-url", default="http://127.0.0.1:8000", help="where the hub listens")
    p.add_argument("--hub-port", type=int, default=8081, help="the hub's internal port")
    p.add_argument("--proxy-api-port", type=int, default=8001, help="the proxy's API port")
    p.add_argument("--protect-checkout", action="store_true", help="make source/ unreadable by others")
    return p.parse_args(argv)


def write(path: Path, text: str, mode: int = 0o644, owner: pwd.struct_passwd | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    if owner:
        os.chown(path, owner.pw_uid, owner.pw_gid)


def role_configs(etc: Path) -> dict[str, str]:
    """Write the students' and instructors' config folders; return each role's JUPYTER_CONFIG_PATH."""
    base = etc / COURSE_ID
    student = {
        "ServerApp": {
            "jpserver_extensions": {
                f"nbgrader.server_extensions.{name}": False for name in INSTRUCTOR_SERVER_EXTENSIONS
            }
        }
    }
    pages = {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in INSTRUCTOR_LAB_PLUGINS}}
    write(base / "student" / "jupyter_server_config.json", json.dumps(student, indent=2) + "\n")
    write(base / "student" / "labconfig" / "page_config.json", json.dumps(pages, indent=2) + "\n")
    instructor = {
        "ServerApp": {
            "jpserver_extensions": {
                f"nbgrader.server_extensions.{name}": True for name in INSTRUCTOR_SERVER_EXTENSIONS
            }
        }
    }
    write(base / "instructor" / "jupyter_server_config.json", json.dumps(instructor, indent=2) + "\n")
    for folder in (base, base / "student", base / "student" / "labconfig", base / "instructor"):
        folder.chmod(0o755)
    return {role: os.pathsep.join([str(base / role), str(etc)]) for role in ("student", "instructor")}


def exchange(root: Path, instructor: pwd.struct_passwd) -> None:
    """The exchange root (1777) and the course's folders in it, the instructor's, as nbgrader makes them."""
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, 0, 0)
    root.chmod(0o1777)
    course = root / COURSE_ID
    modes = {
        course: 0o755,
        course / "outbound": 0o755,
        # write-only for students; sticky: no one removes what another handed in
        course / "inbound": 0o2733 | stat.S_ISVTX,
        course / "feedback": 0o711,
    }
    for folder, mode in modes.items():
        folder.mkdir(exist_ok=True)
        os.chown(folder, instructor.pw_uid, instructor.pw_gid)
        folder.chmod(mode)


def course_folder(instructor: pwd.struct_passwd, exchange_root: Path) -> Path:
    """The instructor's course folder: source/ copied the first time, the hub's nbgrader config always."""
    home = Path(instructor.pw_dir)
    course = home / COURSE_ID
    if not (course / "source").is_dir():
        shutil.copytree(
            CHECKOUT / "source", course / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    config = COURSE_NBGRADER_CONFIG.format(
        checkout=str(CHECKOUT), course_id=COURSE_ID, exchange=str(exchange_root)
    )
    write(course / "nbgrader_config.py", config, 0o644)
    write(home / ".jupyter" / "nbgrader_config.py", INSTRUCTOR_JUPYTER_CONFIG.format(course=str(course)))
    for path in (course, *course.rglob("*"), home / ".jupyter", home / ".jupyter" / "nbgrader_config.py"):
        os.chown(path, instructor.pw_uid, instructor.pw_gid, follow_symlinks=False)
    course.chmod(0o700)
    return course


def protect_checkout() -> list[Path]:
    """Make the checkout's solutions and grading folders unreadable by other users."""
    done = []
    for name in PRIVATE_IN_CHECKOUT:
        path = CHECKOUT / name
        if path.exists():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o007)
            done.append(path)
    return done


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if os.geteuid() != 0:
        sys.exit("hub/setup.py writes system folders and other users' files: run it as root")
    try:
        instructor = pwd.getpwnam(args.instructor)
        for group in (args.students_group, args.instructors_group):
            grp.getgrnam(group)
    except KeyError as missing:
        sys.exit(f"{missing.args[0]}: create the class's users first (hub/users --instructor NAME ...)")
    etc, exchange_root = Path(args.etc), Path(args.exchange)
    system = SYSTEM_NBGRADER_CONFIG.format(course_id=COURSE_ID, exchange=str(exchange_root))
    write(etc / "nbgrader_config.py", system)
    config_paths = role_configs(etc)
    exchange(exchange_root, instructor)
    course = course_folder(instructor, exchange_root)
    settings = {
        "course_id": COURSE_ID,
        "instructor": args.instructor,
        "course": str(course),
        "exchange": str(exchange_root),
        "students_group": args.students_group,
        "instructors_group": args.instructors_group,
        "venv_bin": str(Path(sys.executable).parent),
        "state": args.state,
        "bind_url": args.bind_url,
        "hub_port": args.hub_port,
        "proxy_api_port": args.proxy_api_port,
        "role_config": config_paths,
    }
    write(etc / COURSE_ID / "hub.json", json.dumps(settings, indent=2) + "\n")
    print(f"nbgrader config: {etc / 'nbgrader_config.py'}; hub settings: {etc / COURSE_ID / 'hub.json'}")
    print(f"exchange: {exchange_root}; instructor's course folder: {course}")
    if args.protect_checkout:
        for path in protect_checkout():
            print(f"not readable by other users: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
