"""The class hub's defaults are names Linux accepts (groupadd refuses names over 32 characters)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def test_default_group_names_are_valid_linux_names():
    users = (ROOT / "hub" / "users").read_text()
    setup = (ROOT / "hub" / "setup.py").read_text()
    defaults = re.findall(r"^(?:students|instructors)_group=(\S+)$", users, re.M)
    defaults += re.findall(r'"--(?:students|instructors)-group", default="([^"]+)"', setup)
    assert len(defaults) == 3, defaults
    for name in defaults:
        assert NAME.match(name), f"{name!r} is not a valid Linux group name"
