"""The guarded kernel: nbgrader's Execute running a sandboxed kernel forked by the worker's zygote.

`GuardedExecute` sends the student's cells to the kernel and runs each test cell in the grader
(`course.grading.verdict`), whose questions to the kernel go through `ask`. It caps output, kills
what a failing cell (or a fork bomb) leaves behind, and reports what happened (time-outs, memory,
kernel deaths) to `course.grading.parallel`.
"""

import ast
import json
import os
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path
from queue import Empty

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Any, Dict, Unicode

from course.grading import lab_host, verdict
from course.grading.kernel_sandbox import MAX_MESSAGE_BYTES, STRAY_LIMIT, Limits, run_as_root
from course.grading.remote import ProtocolError
from course.grading.zygote_pool import ZygoteKernel, ZygoteProvisioner, zygote_for


class GuardedKernelClient(AsyncKernelClient):
    """The grader's end of the kernel connection, refusing oversized messages."""

    def _create_connected_socket(self, channel, identity=None):
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if identity:
            sock.identity = identity
        sock.connect(self._make_url(channel))
        return sock

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait for the kernel_info reply, without its last 0.2 s of waiting for silence
        on IOPub (nbclient ignores IOPub messages that answer other requests)."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)  # IOPub is connected once it speaks
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class SandboxKernelManager(AsyncKernelManager):
    """A kernel forked in the worker's sandbox (`Zygote`), over IPC; cleans up after it."""

    sandbox = Dict(help="settings: uid, limits, roots, spec, mpl_cache, log, sockets").tag(config=False)

    def __init__(self, **kwargs) -> None:
        kwargs["kernel_name"] = "python3"  # whatever the notebook claims; the command is ours anyway
        super().__init__(**kwargs)
        self.client_factory = GuardedKernelClient
        self.transport = "ipc"
        self.zygote = zygote_for(self.sandbox)
        # ZeroMQ wants socket paths under 107 characters: the sandbox sees this folder as /sockets/k...
        self.sockdir = tempfile.mkdtemp(prefix="k", dir=self.zygote.sockets)
        self.ip = f"{self.sockdir}/k"
        uid = self.sandbox.get("uid")
        if uid is not None:
            os.chown(self.sockdir, uid, uid)
        os.chmod(self.sockdir, 0o700)
        self.submission: str | None = None

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # on the control channel: the grader never signals inside
        return spec

    async def _async_pre_start_kernel(self, **kw):
        self.submission = kw.get("cwd")
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or secrets.token_hex(16)
        if self.provisioner is None:
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        """ipykernel's arguments in the forked child (the sandbox is the zygote's)."""
        return ["-f", "/guard/kernel.json", *(extra_arguments or [])]

    def seal(self) -> None:
        """Take the socket folder back once the kernel has bound its sockets: it may not write there."""
        os.chown(self.sockdir, 0, 0) if run_as_root() else os.chmod(self.sockdir, 0o500)

    def _kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return process.pid if isinstance(process, ZygoteKernel) else None

    def sandbox_pids(self) -> set[int]:
        """Host pids of the processes in the sandbox other than its init, the zygote and the kernel."""
        kernel = self._kernel_pid()
        return self.zygote.others({kernel}) if kernel else set()

    @staticmethod
    def kill(pids: set[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def exit_reason(self) -> str:
        """Why the kernel ended, in words, from its exit code as the zygote saw it."""
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "the kernel stopped responding"
        if code == -signal.SIGXCPU:
            return "killed: CPU time limit"
        if code == -signal.SIGKILL:
            return "killed (out of memory, or by a signal)"
        if code < 0:
            return f"the kernel was killed by signal {-code}"
        return f"the kernel exited (status {code})"

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.sockdir, ignore_errors=True)

    cleanup_resources = run_sync(_async_cleanup_resources)


INTERRUPT_GRACE_S = 10.0  # after an interrupt, how long the kernel has to answer before it counts as stuck


class KernelGone(BaseException):
    """The kernel died (or, if TIMED_OUT, stopped answering) while the grader asked it: the run ends here.

    A BaseException, so that the test code it passes through cannot mistake it for a failed test.
    """

    def __init__(self, message: str, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


def _no_labs(node: dict) -> object:
    raise ProtocolError("this notebook has no lab servers: a lab object cannot be checked")


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """nbgrader's Execute in the sandbox: test cells in the grader, output caps, a report per notebook."""

    sandbox = Dict(help="settings for SandboxKernelManager (uid, limits, roots, mpl_cache)").tag(config=True)
    report_dir = Unicode("", help="folder of <notebook>.spec.json in, <notebook>.verdict.json out").tag(
        config=True
    )
    kernel_manager_class = Any(SandboxKernelManager)

    def create_kernel_manager(self):
        settings = dict(self.sandbox, spec=str(Path(self.report_dir) / f"{self._notebook}.spec.json"))
        self.km = SandboxKernelManager(config=self.config, sandbox=settings)
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most `cell_output_mb` of a cell's output; past it, drop the rest while the kernel goes on.

        Only the cell that overflowed can lose points: a graded test cell gets an error (zero), any
        other cell a note that its output was cut. The kernel is not interrupted, so an answer that
        prints too much still defines what the later cells use.
        """
        if cell_index in self._cut:
            return None
        limits = Limits(**self.sandbox["limits"])
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        size += len(str(content.get("evalue", ""))) + sum(len(str(t)) for t in content.get("traceback", []))
        self._sizes[cell_index] = self._sizes.get(cell_index, 0) + size
        if self._sizes[cell_index] <= limits.cell_output_mb * 2**20:
            return super().output(outs, msg, display_id, cell_index)
        self._cut.add(cell_index)
        self._events.append(f"output cut in cell {cell_index}")
        why = f"more than {limits.cell_output_mb:g} MB of output"
        if self.nb.cells[cell_index].metadata.get("nbgrader", {}).get("grade"):
            outs.append(_error("OutputLimitExceeded", why))
        else:
            outs.append(nbformat.v4.new_output("stream", name="stderr", text=f"[output cut here: {why}]\n"))
        return None

    async def _async_handle_timeout(self, timeout, cell=None):
        self._events.append(f"timed out in cell {self._cell} ({timeout} s)")
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess(self, nb, resources=None, km=None):
        self._notebook = (resources or {}).get("unique_key", "notebook")
        self._events, self._sizes, self._cut, self._cell = [], {}, set(), 0
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.shutdown_kernel = "immediate"
        completed, started, manager = False, False, None
        clock = time.perf_counter()
        timing = {"kernel": 0.0, "cells": 0.0}
        try:
            with self.setup_kernel():
                manager = self.km
                manager.seal()
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                started = True
                timing["kernel"], clock = time.perf_counter() - clock, time.perf_counter()
                runner = self._grader_runner()
                for index, cell in enumerate(self.nb.cells):
                    self._cell = index
                    running = manager.sandbox_pids()
                    try:
                        source = runner.take(cell)
                        if source is not None:
                            self._run_in_grader(runner, cell, source)
                        else:
                            self.preprocess_cell(cell, resources, index)
                    finally:
                        self._reap(manager, running, cell, index)
                self._cell = len(self.nb.cells)
                timing["cells"] = time.perf_counter() - clock
                completed = True
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError, KernelGone) as e:
            manager = manager or self.km
            if not started:
                raise
            reason = manager.exit_reason() if manager is not None else str(e)
            if isinstance(e, CellTimeoutError) or getattr(e, "timed_out", False):
                reason = "timed out: the kernel did not stop when interrupted"
            self._events.append(f"{reason} (cell {self._cell})")
            self._stop(self._cell, reason)
        for index, cell in enumerate(self.nb.cells):
            if any(o.get("ename") == "MemoryError" for o in cell.get("outputs", [])):
                self._events.append(f"ran out of memory in cell {index}")
        report = {"events": self._events, "completed": completed, "timing": timing}
        (Path(self.report_dir) / f"{self._notebook}.verdict.json").write_text(json.dumps(report))
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _grader_runner(self) -> verdict.CellRunner:
        """The runner of this notebook's test cells, on the instructor's notebook named in the spec."""
        spec = json.loads((Path(self.report_dir) / f"{self._notebook}.grader.json").read_text())
        reference = nbformat.read(spec["reference"], as_version=4)
        labs = self.sandbox.get("labs")
        rebuild = (lambda node: lab_host.rebuild(node, Path(labs))) if labs else _no_labs
        limit = int(Limits(**self.sandbox["limits"]).cell_output_mb * 2**20)
        return verdict.grader_runner(reference, self.ask, rebuild, limit)

    def _run_in_grader(self, runner: verdict.CellRunner, cell, source: str) -> None:
        """Run SOURCE (CELL's, as the instructor wrote it) in the grader, within the cell's time limit."""
        self._deadline = time.monotonic() + Limits(**self.sandbox["limits"]).cell_timeout_s
        cell.outputs = runner.run(source, cell.metadata["nbgrader"]["grade_id"])
        cell.execution_count = None

    def ask(self, question: str) -> str:
        """The kernel's answer to QUESTION (JSON), from `course.grading.answers`; never runs other code."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the test cell's time is up")
        expression = f"__import__('course.grading.answers', fromlist=['answer']).answer({question!r})"
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"a": expression})
        content = self._reply(msg_id, left)["content"]
        found = content.get("user_expressions", {}).get("a", {})
        text = found.get("data", {}).get("text/plain") if isinstance(found, dict) else None
        try:
            value = (
                ast.literal_eval(text) if isinstance(text, str) and len(text) < MAX_MESSAGE_BYTES else None
            )
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        if not isinstance(value, str):
            raise ProtocolError("the kernel did not answer the grader's question")
        return value

    async def _async_reply(self, msg_id: str, timeout: float) -> dict:
        """The shell reply to MSG_ID; past TIMEOUT, interrupt and raise TimeoutError (KernelGone if stuck)."""
        deadline = time.monotonic() + timeout
        interrupted = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0 and interrupted:
                raise KernelGone("student code did not stop when interrupted", timed_out=True)
            if left <= 0:
                self._events.append(f"timed out in cell {self._cell} ({timeout:.0f} s)")
                await self.km.interrupt_kernel()
                deadline, interrupted = time.monotonic() + INTERRUPT_GRACE_S, True
                continue
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=min(left, 1.0))
            except Empty:
                try:
                    await self._async_check_alive()
                except DeadKernelError as e:
                    raise KernelGone(str(e), timed_out=False) from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                if interrupted:
                    raise TimeoutError(f"student code ran past the cell's limit of {timeout:.0f} s")
                return msg

    _reply = run_sync(_async_reply)

    def _reap(self, manager, running: set[int], cell, index: int) -> None:
        """Kill the processes a cell started if it failed or started many (a fork bomb); a lab's one
        server process started by a cell that worked is left to serve the next cells."""
        new = manager.sandbox_pids() - running
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if new and (failed or len(new) > STRAY_LIMIT):
            manager.kill(new)
            self._events.append(f"{len(new)} processes left running by cell {index} were killed")

    def _stop(self, start: int, reason: str) -> None:
        """Cells from START on did not run: graded ones get an error, so nbgrader scores them zero."""
        for cell in self.nb.cells[start:]:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
                cell.outputs.append(_error("KernelDied", reason))
