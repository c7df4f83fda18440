"""The `course` command: JSON shapes, readable tables, and one-line errors for bad input."""

import json
import subprocess
import sys

import pytest

from course.cli import main


def run_json(capsys, *argv: str):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_price_lambda_json(capsys):
    data = run_json(
        capsys, "price", "lambda", "--requests", "3000000", "--duration-ms", "1000", "--memory-mb", "512"
    )
    assert {"request_cost", "compute_cost", "total", "requests", "duration_ms", "memory_mb"} <= data.keys()
    assert data["request_cost"] == pytest.approx(0.40)
    assert data["compute_cost"] == pytest.approx(18.33, abs=0.01)
    assert data["total"] == pytest.approx(
        data["request_cost"] + data["compute_cost"] + data["ephemeral_cost"]
    )


def test_price_lambda_options(capsys):
    base = ["price", "lambda", "--requests", "5000000", "--duration-ms", "200", "--memory-mb", "1024"]
    x86 = run_json(capsys, *base, "--no-free-tier")
    arm = run_json(capsys, *base, "--no-free-tier", "--arch", "arm64")
    big_tmp = run_json(capsys, *base, "--ephemeral-mb", "4096")
    assert arm["compute_cost"] < x86["compute_cost"] and x86["free_tier"] is False
    assert big_tmp["ephemeral_cost"] > 0 and big_tmp["ephemeral_mb"] == 4096


def test_price_tokens_json(capsys):
    data = run_json(
        capsys, "price", "tokens", "--model", "gpt-4.1", "--tokens", "1000000", "--output-tokens", "1000000"
    )
    assert {"tokens", "cost", "model", "method"} <= data.keys()
    assert data["cost"] == pytest.approx(10.0)
    counted = run_json(capsys, "price", "tokens", "--model", "davinci", "--text", "Hello, world")
    assert counted["tokens"] > 0 and "approximation" in counted["method"]


def test_instances_show_json(capsys):
    data = run_json(capsys, "instances", "show", "m5.2xlarge")
    assert {"name", "family", "category", "generation", "size", "vcpu", "memory_gib"} <= data.keys()
    assert (data["family"], data["generation"], data["size"], data["vcpu"], data["memory_gib"]) == (
        "m5",
        5,
        "2xlarge",
        8,
        32,
    )
    assert data["category"] == "general purpose"


def test_regions_rank_json_with_southern_coordinates(capsys):
    data = run_json(capsys, "regions", "rank", "--near", "-33.87,151.21", "--near", "-37.81,144.96")
    assert data[0]["code"] in {"ap-southeast-2", "ap-southeast-4"}
    assert {"code", "name", "score", "parts"} <= data[0].keys()
    assert [d["score"] for d in data] == sorted((d["score"] for d in data), reverse=True)
    france = run_json(capsys, "regions", "rank", "--near", "48.86,2.35", "--country", "FR", "--top", "1")
    assert [d["code"] for d in france] == ["eu-west-3"]


def test_tables_are_readable(capsys):
    assert main(["instances", "show", "t3.micro"]) == 0
    out = capsys.readouterr().out
    assert "t3.micro" in out and "vcpu" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["price", "lambda", "--requests", "1", "--duration-ms", "1", "--memory-mb", "20000"], "memory_mb"),
        (["price", "lambda", "--requests", "-5", "--duration-ms", "1", "--memory-mb", "128"], "requests"),
        (["instances", "show", "m5.2xlage"], "did you mean m5.2xlarge"),
        (["price", "tokens", "--model", "gtp-4o", "--tokens", "10"], "gpt-4o"),
        (["regions", "rank", "--near", "95,10"], "latitude"),
        (["regions", "rank", "--near", "paris"], "paris"),
        (["regions", "rank", "--near", "35.68,139.69", "--country", "XX"], "no AWS Region in country 'XX'"),
    ],
)
def test_bad_input_is_one_line_without_traceback(argv, words):
    done = subprocess.run(
        [sys.executable, "-m", "course.cli", *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert words.lower() in lines[0].lower()


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["price", "tokens", "--model", "gpt-4o"])
    assert stop.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
