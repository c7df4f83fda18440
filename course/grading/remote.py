"""The grader's side of a student's kernel: it asks, plain data comes back, the rest stays a reference.

`KernelNames` sends a question (`course.grading.answers` answers it in the kernel) and decodes the
reply with `course.grading.plain_data`, which builds plain data only. What is not plain data comes
back as a `Remote`: a number the grader can ask about again (an attribute, an item, a call), never an
object with behaviour. A function or module the kernel names is imported here, from the grader's own
copy, when it belongs to a trusted package; a lab object is rebuilt here by `rebuild`, on the lab
server the grader reaches itself. An error raised in the kernel comes back as the same built-in
exception, or as `StudentError`.
"""

import builtins
import importlib
import json
import re
import sys
from collections.abc import Callable

from course.grading import plain_data

# Packages whose functions and classes the grader imports itself when the kernel names them.
TRUSTED_PACKAGES = frozenset(
    {
        "course",
        "numpy",
        "pandas",
        "boto3",
        "botocore",
        "math",
        "cmath",
        "statistics",
        "decimal",
        "fractions",
        "datetime",
        "calendar",
        "json",
        "re",
        "string",
        "textwrap",
        "collections",
        "itertools",
        "functools",
        "operator",
        "base64",
        "hashlib",
        "ipaddress",
        "typing",
        "dataclasses",
        "enum",
    }
)
# The special attributes a test may read of a student's function (e.g. the names its code uses).
FUNCTION_ATTRIBUTES = frozenset(
    {"__code__", "__name__", "__qualname__", "__doc__", "__defaults__", "__module__"}
)
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class StudentError(Exception):
    """An exception raised by student code that the grader does not rebuild as such."""


class ProtocolError(RuntimeError):
    """The kernel's reply is not an answer."""


def trusted_import(node: dict) -> object | None:
    """The grader's own copy of the module, function or class NODE names, if it is in a trusted package."""
    module, qualname = node.get("module"), node.get("qualname")
    if not (isinstance(module, str) and isinstance(qualname, str) and DOTTED.fullmatch(module)):
        return None
    if module.split(".")[0] not in TRUSTED_PACKAGES or (qualname and not DOTTED.fullmatch(qualname)):
        return None
    try:
        found = importlib.import_module(module)
        for part in qualname.split(".") if qualname else []:
            found = getattr(found, part)
    except Exception:  # noqa: BLE001 (not importable here: the grader asks the kernel instead)
        return None
    return found


def rebuilt_error(info: object) -> BaseException:
    """The exception the kernel reported, as a built-in exception of the same class when it is one."""
    if not isinstance(info, dict):
        return ProtocolError("the kernel's error report is not readable")
    name, module, message = info.get("type"), info.get("module"), info.get("message")
    message = message if isinstance(message, str) else ""
    cls = getattr(builtins, name, None) if module == "builtins" and isinstance(name, str) else None
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 (a built-in exception that wants other arguments)
            pass
    return StudentError(f"{name}: {message}")


class KernelNames:
    """Questions to one kernel: ASK sends a question's JSON and returns the reply text."""

    def __init__(self, ask: Callable[[str], str], rebuild: Callable[[dict], object]) -> None:
        self._ask = ask
        self._rebuild = rebuild

    def value(self, question: dict) -> object:
        """The answer to QUESTION: plain data, a `Remote`, a trusted import or a rebuilt lab object.

        What student code printed while answering is written to this process's stdout and stderr,
        where the test cell's outputs are collected (never scored: nbgrader reads only errors).
        """
        try:
            reply = json.loads(self._ask(json.dumps(question)))
        except (TypeError, ValueError, RecursionError):
            reply = None
        if not isinstance(reply, dict) or not ("value" in reply or "error" in reply):
            raise ProtocolError("the kernel did not answer")
        for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
            if isinstance(reply.get(name), str):
                stream.write(reply[name])
        if "error" in reply:
            raise rebuilt_error(reply["error"])
        if not isinstance(reply["value"], str):
            raise ProtocolError("the kernel's answer is not encoded data")
        return plain_data.decode(reply["value"], ref=self._node)

    def name(self, name: str) -> object:
        return self.value({"op": "name", "name": name})

    def encode(self, value: object) -> str:
        """VALUE as an argument for the kernel: plain data, with Remotes of this kernel by reference."""

        def ref(part: object) -> int:
            if isinstance(part, Remote) and part._kernel is self:
                return part._id
            raise plain_data.NotPlainData(
                f"only plain data can be passed to student code, not {type(part).__name__}"
            )

        def describe(part: object) -> dict | None:
            node = getattr(part, "course_remote", None)  # a lab client or resource of the grader's
            return node if isinstance(node, dict) and node.get("$") == "remote" else None

        return plain_data.encode(value, ref=ref, describe=describe)

    def _node(self, node: dict) -> object:
        tag, ident = node.get("$"), node.get("id")
        if tag == "remote":
            return self._rebuild(node)
        if tag == "import":
            found = trusted_import(node)
            if found is not None:
                return found
        if tag in ("ref", "import") and type(ident) is int and ident >= 0:
            kind = node.get("type")
            return Remote(self, ident, kind if isinstance(kind, str) else "object")
        raise plain_data.NotPlainData(f"unknown node {tag!r}")


class Remote:
    """An object in the student's kernel: attributes, items and calls are asked for, one at a time.

    `kernel_type` is the name of its type there, as the kernel says (e.g. "function").
    """

    __slots__ = ("_kernel", "_id", "kernel_type")

    def __init__(self, kernel: KernelNames, ident: int, kernel_type: str = "object") -> None:
        self._kernel, self._id, self.kernel_type = kernel, ident, kernel_type

    def _ask(self, op: str, **more: object) -> object:
        return self._kernel.value({"op": op, "id": self._id, **more})

    def __getattr__(self, name: str) -> object:
        if name.startswith("__") and name not in FUNCTION_ATTRIBUTES:
            raise AttributeError(name)
        return self._ask("attr", name=name)

    def __getitem__(self, key: object) -> object:
        return self._ask("item", key=self._kernel.encode(key))

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._ask("call", args=self._kernel.encode(list(args)), kwargs=self._kernel.encode(kwargs))

    def _typed(self, op: str, kind: type) -> object:
        value = self._ask(op)
        if type(value) is not kind:
            raise ProtocolError(f"the kernel answered {op} with a {type(value).__name__}")
        return value

    def __len__(self) -> int:
        return self._typed("len", int)

    def __iter__(self):
        return iter(self._typed("list", list))

    def __contains__(self, item: object) -> bool:
        return item in self._typed("list", list)

    def __str__(self) -> str:
        return self._typed("str", str)

    def __repr__(self) -> str:
        return self._typed("repr", str)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        raise TypeError(
            "the grader compares plain data only: this value is an object in the student's kernel"
        )

    __ne__ = __eq__
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError("the grader tests plain data only: this value is an object in the student's kernel")
