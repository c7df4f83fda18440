"""The package's folders are its layers: the import contracts in pyproject.toml hold, and can break."""

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")
TOP_LEVEL_LIMIT = 7  # __init__, cli, errors and a few shared modules: everything else lives in a folder


def _lint(folder: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [str(LINT), "--config", str(config), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_are_kept():
    done = _lint(ROOT, ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_lesson_that_imports_grading_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    config = tmp_path / "pyproject.toml"
    config.write_text((ROOT / "pyproject.toml").read_text())
    lesson = tmp_path / "course" / "lessons" / "alarms.py"
    lesson.write_text(lesson.read_text() + "\nfrom course.grading import checks  # noqa\n")
    done = _lint(tmp_path, config)
    assert done.returncode != 0
    assert "course.lessons.alarms -> course.grading.checks" in done.stdout


def test_the_top_level_holds_only_the_entry_point_and_shared_modules():
    modules = sorted(p.name for p in (ROOT / "course").glob("*.py"))
    assert len(modules) <= TOP_LEVEL_LIMIT, modules
    assert {"__init__.py", "cli.py", "errors.py"} <= set(modules)
    folders = {p.name for p in (ROOT / "course").iterdir() if (p / "__init__.py").is_file()}
    assert folders == {"lessons", "pricing", "aws", "grading", "instructor", "data"}


def test_every_contract_names_real_modules():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        for name in contract["source_modules"] + contract["forbidden_modules"]:
            path = ROOT / Path(*name.split("."))
            assert path.is_dir() or path.with_suffix(".py").is_file(), f"{contract['name']}: {name}"


MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600


def _python_files():
    return sorted((ROOT / "course").rglob("*.py"))


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (over {MAX_MODULE_LINES} lines): {long}"


def test_no_function_is_longer_than_a_reader_can_hold():
    long = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"split these functions (over {MAX_FUNCTION_LINES} lines): {long}"
