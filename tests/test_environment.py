"""environment.yml (conda, Binder) names the same packages and versions as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins(specs: list[str]) -> dict[str, str]:
    pins = {}
    for spec in specs:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[a-z,]+\])?\s*==?\s*([0-9][^\s;]*)", spec.strip())
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    found = _pins(conda) | _pins(pip)
    assert found.pop("python", "").startswith("3.1")
    assert found == wanted, "environment.yml and pyproject.toml disagree: keep their pins in step"
    assert "-e ." in pip, "the conda environment installs the course package itself"


def test_python_floor_matches():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
