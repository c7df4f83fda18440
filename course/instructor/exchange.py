"""Moving assignments between instructor and students with nbgrader: release, collect, zip collect.

Collecting trusts nothing a student could have placed. From the exchange, each student's latest
submission is copied file by file through file descriptors opened without following links
(`O_NOFOLLOW`, checked with `fstat`): a submission holding a symbolic link, a hard link, a special
file, a folder name that is not a student id, or more than MAX_SUBMISSION_BYTES is refused whole,
with a log line, and nothing of it reaches submitted/. From an LMS zip, every entry is checked
before anything is written: the archive is refused when it expands to more than ZIP_MAX_TOTAL bytes,
holds more than ZIP_MAX_ENTRIES entries or compresses more than ZIP_MAX_RATIO times; an entry that
is a link or special file, has an absolute or `..` path, a drive letter or a backslash, expands
past its declared size, or is itself an archive (never expanded) is skipped with a log line. Files
land only in submitted/<student>/<assignment>/, with or without a roster: the student id must be a
roster-style id and the file name a plain name.
"""

import logging
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

from nbgrader.utils import parse_utc

from course.errors import CourseInputError
from course.grading.nbgrader_setup import check_assignment, course_api, run_step
from course.instructor.roster import ID, load_roster

# Canvas names each downloaded file LOGIN[_LATE]_USERID_SUBMISSIONID_ORIGINALNAME.
CANVAS_FILE = re.compile(r"(?P<student_id>[^/_]+)_(?:LATE_)?\d+_\d+_(?P<file_id>[^/]+)")
MAX_SUBMISSION_BYTES = 100 * 2**20  # nbgrader's own max_dir_size: 100 MB
MAX_ENTRIES = 10_000  # files and folders in one submission
ZIP_MAX_TOTAL = 512 * 2**20  # uncompressed bytes of a whole archive
ZIP_MAX_FILE = 64 * 2**20  # uncompressed bytes of one entry (the grading sandbox's file limit)
ZIP_MAX_RATIO = 100  # uncompressed / compressed, for an entry or an archive over RATIO_FROM bytes
RATIO_FROM = 2**20
ZIP_MAX_ENTRIES = 10_000
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".whl")
UNSAFE_PATH = re.compile(r"(^/|^[A-Za-z]:|\\|\x00|(^|/)\.\.(/|$))")
log = logging.getLogger("course.collect")


class Refused(Exception):
    """A submission or archive entry that is not copied, and why."""


def release(root: Path, name: str) -> Path:
    """Generate the student version of NAME from source/ and put it in the exchange for students."""
    check_assignment(root, name)
    api = course_api(root)
    run_step(api.generate_assignment(name, force=True), f"generate_assignment {name}")
    run_step(api.release_assignment(name), f"release_assignment {name}")
    return Path(api.config.Exchange.root) / api.coursedir.course_id / "outbound" / name


def _collected(root: Path, name: str) -> list[str]:
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{name}") if p.is_dir())


def _install(root: Path, student: str, name: str, fill: Callable[[Path], None]) -> None:
    """FILL a fresh folder, then put it in place of submitted/STUDENT/NAME (a rename)."""
    if not ID.fullmatch(student):
        raise Refused(f"{student!r} is not a student id")
    folder = root / "submitted" / student
    for path in (root / "submitted", folder):
        if path.is_symlink():
            raise Refused(f"{path} is a symbolic link")
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
    try:
        fill(staging / name)
        target = folder / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        os.rename(staging / name, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# From the exchange
# --------------------------------------------------------------------------------------------


def _copy_file(src_dir: int, entry: str, dest: Path, budget: list[int], path: str) -> None:
    """Copy the regular file ENTRY (PATH in the submission) of the folder open as SRC_DIR to DEST,
    never following a link."""
    fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_dir)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"{path} is not a regular file")
        if st.st_nlink > 1:
            raise Refused(f"{path} is a hard link")
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(out, "wb") as target:
            while chunk := os.read(fd, 2**20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise Refused(f"larger than {MAX_SUBMISSION_BYTES:,} bytes")
                target.write(chunk)
    finally:
        os.close(fd)


def _copy_folder(src_dir: int, dest: Path, ignore: list[str], budget: list[int], where: str = "") -> None:
    """Copy the folder open as SRC_DIR to DEST; Refused at the first link or special file."""
    dest.mkdir()
    for entry in sorted(os.listdir(src_dir)):
        if any(fnmatch(entry, pattern) for pattern in ignore):
            continue
        budget[1] -= 1
        if budget[1] < 0:
            raise Refused(f"more than {MAX_ENTRIES:,} files")
        path = f"{where}{entry}"
        st = os.stat(entry, dir_fd=src_dir, follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            raise Refused(f"{path} is a symbolic link")
        if stat.S_ISDIR(st.st_mode):
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=src_dir)
            try:
                _copy_folder(fd, dest / entry, ignore, budget, f"{path}/")
            finally:
                os.close(fd)
        elif stat.S_ISREG(st.st_mode):
            _copy_file(src_dir, entry, dest / entry, budget, path)
        else:
            raise Refused(f"{path} is a special file")


def _copy_submission(inbound: Path, entry: str, dest: Path, ignore: list[str]) -> None:
    inbound_fd = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if stat.S_ISLNK(os.stat(entry, dir_fd=inbound_fd, follow_symlinks=False).st_mode):
            raise Refused("the submission is a symbolic link")
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=inbound_fd)
        except OSError as error:
            raise Refused(f"the submission is not a folder ({error.strerror})") from None
        try:
            _copy_folder(fd, dest, ignore, [MAX_SUBMISSION_BYTES, MAX_ENTRIES])
        finally:
            os.close(fd)
    finally:
        os.close(inbound_fd)


def _latest_submissions(inbound: Path, name: str) -> dict[str, tuple]:
    """Student -> (timestamp, entry) of the latest submission of NAME in the inbound exchange."""
    latest: dict[str, tuple] = {}
    for entry in sorted(os.listdir(inbound)) if inbound.is_dir() else []:
        parts = entry.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != name:
            continue
        student = parts[0]
        if not ID.fullmatch(student):
            log.warning("refused submission %s: %r is not a student id", entry, student)
            continue
        try:
            stamp = parse_utc(parts[2])
        except Exception:  # noqa: BLE001 (a name nbgrader did not make)
            log.warning("refused submission %s: no readable timestamp in its name", entry)
            continue
        if student not in latest or stamp > latest[student][0]:
            latest[student] = (stamp, entry)
    return latest


def collect(root: Path, name: str) -> list[str]:
    """Copy the students' latest submissions of NAME from the exchange into submitted/.

    A submission is copied when there is none yet or it is newer than the one collected; a
    submission with links or special files is refused (logged) and any earlier one stays.
    """
    check_assignment(root, name)
    api = course_api(root)
    inbound = Path(api.config.Exchange.root) / api.coursedir.course_id / "inbound"
    ignore = list(api.coursedir.ignore)
    for student, (stamp, entry) in sorted(_latest_submissions(inbound, name).items()):
        try:
            existing = api.coursedir.get_existing_timestamp(str(root / "submitted" / student / name))
        except Exception:  # noqa: BLE001 (an unreadable timestamp: collect again)
            existing = None
        if existing is not None and stamp <= existing:
            continue
        try:
            _install(root, student, name, lambda dest, e=entry: _copy_submission(inbound, e, dest, ignore))
            log.info("collected %s from %s", student, entry)
        except (Refused, OSError) as why:
            log.warning("refused %s's submission %s: %s", student, entry, why)
    return _collected(root, name)


# --------------------------------------------------------------------------------------------
# From an LMS zip
# --------------------------------------------------------------------------------------------


def check_archive(z: zipfile.ZipFile, archive: Path) -> list[zipfile.ZipInfo]:
    """The entries of Z, or a CourseInputError when the archive as a whole is too big or too dense."""
    infos = z.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise CourseInputError(f"{archive} has {len(infos):,} entries, more than {ZIP_MAX_ENTRIES:,}")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > ZIP_MAX_TOTAL:
        raise CourseInputError(f"{archive} expands to {total:,} bytes, more than {ZIP_MAX_TOTAL:,}")
    if total > RATIO_FROM and total > ZIP_MAX_RATIO * max(packed, 1):
        raise CourseInputError(f"{archive} is compressed {total / max(packed, 1):,.0f} times: refused")
    return infos


def entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why the zip entry INFO must not be extracted, or None."""
    if UNSAFE_PATH.search(info.filename):
        return "its path is absolute, has .., a drive letter or a backslash"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "it is a symbolic link"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "it is a special file"
    if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
        return "it is an archive inside the archive (not expanded)"
    if info.file_size > ZIP_MAX_FILE:
        return f"it expands to {info.file_size:,} bytes, more than {ZIP_MAX_FILE:,}"
    if info.file_size > RATIO_FROM and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
        return f"it is compressed more than {ZIP_MAX_RATIO} times"
    return None


def _extract(z: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], dest: Path) -> None:
    """Write each entry of FILES to DEST/<file name>, stopping at its declared size."""
    dest.mkdir()
    for file_id, info in files.items():
        out = os.open(dest / file_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(out, "wb") as target, z.open(info) as source:
            left = info.file_size
            try:
                while chunk := source.read(min(2**20, left + 1)):
                    left -= len(chunk)
                    if left < 0:
                        raise Refused(f"{info.filename} expands past its declared size")
                    target.write(chunk)
            except zipfile.BadZipFile as error:
                raise Refused(f"{info.filename}: {error}") from None


def _match(info: zipfile.ZipInfo, login_to_id: dict[str, str], roster: dict) -> tuple[str, str] | str:
    """(student, file name) for a Canvas-named entry, or why it is skipped."""
    if problem := entry_problem(info):
        return problem
    base = info.filename.rsplit("/", 1)[-1]
    match = CANVAS_FILE.fullmatch(base)
    if not match:
        return "not named LOGIN_ID_SUBMISSION_FILE"
    student = login_to_id.get(match["student_id"], match["student_id"])
    if not ID.fullmatch(student):
        return f"{student!r} is not a student id"
    if roster and student not in roster:
        return f"{student} is not on the roster"
    if match["file_id"] in (".", "..") or any(c in match["file_id"] for c in "\\\x00"):
        return "its file name is not a plain name"
    return student, match["file_id"]


def collect_zip(root: Path, name: str, archive: Path) -> tuple[list[str], list[str]]:
    """Collect NAME from an LMS download ARCHIVE (Canvas file naming) into submitted/.

    Returns the students collected and the files skipped (unsafe, not matching the naming, or not
    on the roster; each logged with its reason).
    """
    check_assignment(root, name)
    if not zipfile.is_zipfile(archive):
        raise CourseInputError(f"{archive} is not a zip archive")
    roster = load_roster(root)
    login_to_id = {s.sis_login_id: s.id for s in roster.values() if s.sis_login_id}
    skipped: list[str] = []
    with zipfile.ZipFile(archive) as z:
        per_student: dict[str, dict[str, zipfile.ZipInfo]] = {}
        for info in check_archive(z, Path(archive)):
            if info.is_dir() and not entry_problem(info):
                continue
            found = _match(info, login_to_id, roster)
            if isinstance(found, str):
                log.warning("skipping %s: %s", info.filename, found)
                skipped.append(info.filename.rsplit("/", 1)[-1])
                continue
            per_student.setdefault(found[0], {})[found[1]] = info
        for student, files in sorted(per_student.items()):
            try:
                _install(root, student, name, lambda dest, f=files: _extract(z, f, dest))
            except (Refused, OSError) as why:
                log.warning("refused %s's files in %s: %s", student, archive, why)
                skipped += [i.filename.rsplit("/", 1)[-1] for i in files.values()]
    return _collected(root, name), skipped
