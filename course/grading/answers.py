"""The student's kernel answers the grader's questions: a name's value, an attribute, a call's result.

While a notebook is graded, its test cells run in the grader (`course.grading.verdict`), never in
this kernel. The grader asks through an execute request's ``user_expressions``, evaluated here as
``answer(question)``; the reply is plain data (`course.grading.plain_data`) or a reference number
for an object that is not, which the grader can only ask about again; what student code prints while
it answers is passed on (cut), as text. Nothing here decides a score: student code may replace this
module and only changes what its own answers say.
"""

import contextlib
import io
import json
import sys

from course.grading import plain_data

PRINTED_LIMIT = 64 * 2**10  # what one answer passes on of what student code printed meanwhile
_held: list[object] = []  # the objects the grader holds a reference to, by index


def _hold(obj: object) -> int:
    _held.append(obj)
    return len(_held) - 1


def _import_path(obj: object) -> tuple[str, str]:
    """(module, qualname) by which OBJ (a module, function or class) can be imported, or ("", "")."""
    if type(obj).__name__ == "module" and isinstance(getattr(obj, "__name__", None), str):
        return obj.__name__, ""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)) or module == "__main__":
        return "", ""
    found = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return (module, qualname) if found is obj else ("", "")


def _describe(obj: object) -> dict:
    """A node for an object that is not plain data: a lab object the grader rebuilds, or a reference
    (with the import path of a module, function or class, which the grader may import itself)."""
    node = getattr(obj, "course_remote", None)
    if node is None and callable(getattr(type(obj), "__course_remote__", None)):
        node = obj.__course_remote__()
    if isinstance(node, dict) and node.get("$") == "remote":
        return node
    module, qualname = _import_path(obj)
    kind = type(obj).__name__
    return {"$": "import", "module": module, "qualname": qualname, "id": _hold(obj), "type": kind}


def _argument(node: dict) -> object:
    """An object the grader passed by reference: one of ours, or a lab client it made (rebuilt here)."""
    if node.get("$") == "remote":
        import os
        from pathlib import Path

        from course.grading.lab_host import rebuild
        from course.local_moto import LAB_SOCKETS_ENV

        return rebuild(node, Path(os.environ.get(LAB_SOCKETS_ENV, "/labs")))
    return _held[node["id"]]


def _value(text: str) -> object:
    return plain_data.decode(text, ref=_argument)


def _perform(question: dict) -> object:
    op = question["op"]
    if op == "name":
        from IPython import get_ipython

        namespace = get_ipython().user_ns
        if question["name"] not in namespace:
            raise NameError(f"name {question['name']!r} is not defined")
        return namespace[question["name"]]
    target = _held[question["id"]]
    if op == "attr":
        return getattr(target, question["name"])
    if op == "item":
        return target[_value(question["key"])]
    if op == "call":
        return target(*_value(question["args"]), **_value(question["kwargs"]))
    if op in ("str", "repr"):
        return str(target) if op == "str" else repr(target)
    if op == "len":
        return len(target)
    if op == "list":
        return list(target)
    raise ValueError(f"unknown question {op!r}")


def _error(e: BaseException) -> dict:
    try:
        return {"type": type(e).__name__, "module": type(e).__module__, "message": str(e)[:4000]}
    except BaseException:  # noqa: BLE001 (an exception whose str() fails)
        return {"type": "Exception", "module": "builtins", "message": "an error without a message"}


def answer(question: str) -> str:
    """QUESTION's answer as JSON: {"value": encoded} or {"error": ...}, and what was printed meanwhile."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            value = _perform(json.loads(question))
        reply = {"value": plain_data.encode(value, ref=_hold, describe=_describe)}
    except BaseException as e:  # noqa: BLE001 (the grader turns it back into an exception)
        reply = {"error": _error(e)}
    for name, stream in (("stdout", out), ("stderr", err)):
        text = stream.getvalue()
        if text:
            reply[name] = text[:PRINTED_LIMIT] + ("\n[output cut]\n" if len(text) > PRINTED_LIMIT else "")
    return json.dumps(reply)
