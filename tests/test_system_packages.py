"""scripts/system-packages: what `make demo` and `make test` run to get the Debian packages they need."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages"


def _bin(tmp_path: Path, uid: str, have: list[str]) -> Path:
    """A PATH folder with a stub `id` (user UID), a logging `apt-get` and the commands in HAVE."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (folder / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n')
    for name in have:
        (folder / name).write_text("#!/bin/sh\n")
    for stub in folder.iterdir():
        stub.chmod(0o755)
    return folder


def _run(folder: Path, *needs: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": str(folder)}
    return subprocess.run(["/bin/bash", str(SCRIPT), *needs], env=env, capture_output=True, text=True)


def test_nothing_to_do_when_everything_is_there(tmp_path):
    done = _run(_bin(tmp_path, "1000", ["bwrap", "setpriv", "prlimit", "chromium"]), "grade", "browser")
    assert done.returncode == 0 and not (tmp_path / "apt.log").exists()


def test_a_normal_user_gets_the_one_command_to_run(tmp_path):
    done = _run(_bin(tmp_path, "1000", ["setpriv", "prlimit"]), "grade", "browser")
    assert done.returncode == 1
    assert "sudo apt-get install -y bubblewrap chromium" in done.stderr
    assert not (tmp_path / "apt.log").exists()


def test_root_installs_what_is_missing(tmp_path):
    done = _run(_bin(tmp_path, "0", ["bwrap", "chromium"]), "grade")
    assert done.returncode == 0
    assert "install -y -qq util-linux" in (tmp_path / "apt.log").read_text()


def test_an_unknown_need_is_refused(tmp_path):
    done = _run(_bin(tmp_path, "0", []), "gpu")
    assert done.returncode == 2 and "unknown need: gpu" in done.stderr
