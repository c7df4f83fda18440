"""The grading kernel's start inside the sandbox: a private copy of the submission, then ipykernel.

Called in each kernel the zygote of `course.grading.zygote` forks. No guard runs here: test cells
run in the grader (`course.grading.verdict`), so nothing in this process decides a score. This
module imports only the standard library at the top: it is part of the kernel's boot.
"""

import json
import os
import shutil


def prepare(spec: dict) -> None:
    """Work on a private copy of the (read-only) submission, with a home in the scratch tmpfs."""
    home = os.environ.get("HOME", "/tmp/home")
    for path in (home, os.environ.get("IPYTHONDIR", ""), os.environ.get("MPLCONFIGDIR", "")):
        if path:
            os.makedirs(path, exist_ok=True)
    mpl = spec.get("mpl_cache")
    if mpl and os.path.isdir(mpl) and os.environ.get("MPLCONFIGDIR"):
        for name in os.listdir(mpl):
            if name.endswith(".json"):
                shutil.copy(os.path.join(mpl, name), os.environ["MPLCONFIGDIR"])
    work = spec.get("workdir", "/tmp/work")
    source = spec.get("submission")
    if source and os.path.isdir(source):
        shutil.copytree(source, work, symlinks=True, dirs_exist_ok=True)
    os.makedirs(work, exist_ok=True)
    os.chdir(work)


def no_dump() -> None:
    """Make the process non-dumpable: other processes of the same uid cannot ptrace or read its memory."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except Exception:  # noqa: BLE001 (best effort: the sandbox still holds without it)
        pass


def boot(spec_path: str, kernel_argv: list[str]) -> None:
    """Prepare as SPEC_PATH says, then run ipykernel with KERNEL_ARGV."""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    prepare(spec)
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=kernel_argv)
