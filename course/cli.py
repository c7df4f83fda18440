"""The `course` command: calculators and look-ups for readers and scripts, the demo for instructors.

Every command prints a readable table, or JSON with --json. Bad input exits with status 2 and one
line on stderr.
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from course.errors import CourseInputError

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> None:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _table(title: str, rows: Sequence[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in rows:
        table.add_row(key, _fmt(value))
    return table


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".") if value else "0"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _output(args: argparse.Namespace, data: Any, render: Callable[[], Any]) -> None:
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        Console().print(render())


def cmd_price_lambda(args: argparse.Namespace) -> None:
    """Monthly AWS Lambda cost."""
    from course.pricing.lambda_ import lambda_monthly_cost

    cost = lambda_monthly_cost(
        requests=args.requests,
        duration_ms=args.duration_ms,
        memory_mb=args.memory_mb,
        arch=args.arch,
        free_tier=not args.no_free_tier,
        ephemeral_mb=args.ephemeral_mb,
    ).as_dict()
    _output(args, cost, lambda: _table("AWS Lambda, USD per month (us-east-1)", list(cost.items())))


def cmd_price_tokens(args: argparse.Namespace) -> None:
    """Cost of a prompt and its answer on one model."""
    from course.pricing.tokens import count_tokens, token_cost

    if args.text is not None:
        counted = count_tokens(args.text, args.model)
        tokens, method, exact = counted.tokens, counted.method, counted.exact
    else:
        tokens, method, exact = args.tokens, "given", True
    cost = token_cost(args.model, tokens, args.output_tokens)
    data = {
        "model": cost.model,
        "tokens": tokens,
        "output_tokens": cost.output_tokens,
        "method": method,
        "exact": exact,
        "input_cost": cost.input_cost,
        "output_cost": cost.output_cost,
        "cost": cost.cost,
    }
    _output(args, data, lambda: _table(f"{cost.model}: USD for this request", list(data.items())))


def cmd_instances_show(args: argparse.Namespace) -> None:
    """Specs, naming and price of one EC2 instance type."""
    from course.instances import instance_type

    info = instance_type(args.name).as_dict()
    info["attributes"] = list(info["attributes"])
    info["attribute_descriptions"] = instance_type(args.name).attribute_descriptions
    _output(args, info, lambda: _table(f"EC2 instance type {info['name']}", list(info.items())))


def cmd_regions_rank(args: argparse.Namespace) -> None:
    """Regions best first for users at the given points."""
    from course.regions import parse_latlon, rank_regions

    weights = dict(_weight(text) for text in args.weight) if args.weight else None
    ranked = rank_regions(
        [parse_latlon(p) for p in args.near],
        countries=args.country,
        services=args.service,
        weights=weights,
    )
    shown = ranked[: args.top] if args.top else ranked
    data = [
        {
            "code": r.code,
            "name": r.name,
            "score": r.score,
            "eligible": r.eligible,
            "mean_km": r.mean_km,
            "parts": r.parts,
            "reasons": r.reasons,
        }
        for r in shown
    ]

    def render() -> Table:
        table = Table("code", "name", "score", *shown[0].parts, "why", title="Regions, best first")
        for r in shown:
            parts = [f"{v:.3f}" for v in r.parts.values()]
            table.add_row(r.code, r.name, f"{r.score:.3f}", *parts, r.reasons[0])
        return table

    _output(args, data, render)


def _weight(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise CourseInputError(f"--weight takes NAME=NUMBER, e.g. latency=0.7 (got {text!r})") from None


def cmd_demo(args: argparse.Namespace) -> None:
    """Run the instructor's loop on a simulated class."""
    from course.demo import run_demo

    run_demo(students=args.students, assignments=args.assignment, out=args.out)


def build_parser() -> OneLineParser:
    """The argument parser of the `course` command."""
    parser = OneLineParser(prog="course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    price = commands.add_parser("price", help="cost calculators").add_subparsers(dest="what", required=True)
    lam = price.add_parser("lambda", help="monthly AWS Lambda cost")
    lam.add_argument("--requests", type=int, required=True, help="invocations a month")
    lam.add_argument("--duration-ms", type=float, required=True, help="average duration, milliseconds")
    lam.add_argument("--memory-mb", type=int, required=True, help="memory, MB (128 to 10,240)")
    lam.add_argument("--arch", default="x86_64", help="x86_64 (default) or arm64")
    lam.add_argument("--no-free-tier", action="store_true", help="ignore the monthly free tier")
    lam.add_argument("--ephemeral-mb", type=int, default=512, help="/tmp storage, MB (512 to 10,240)")
    lam.set_defaults(run=cmd_price_lambda)

    tok = price.add_parser("tokens", help="cost of LLM tokens")
    tok.add_argument("--model", required=True, help="model name, e.g. gpt-4o or davinci")
    given = tok.add_mutually_exclusive_group(required=True)
    given.add_argument("--tokens", type=int, help="input tokens")
    given.add_argument("--text", help="input text (its tokens are counted)")
    tok.add_argument("--output-tokens", type=int, default=0, help="output tokens (default 0)")
    tok.set_defaults(run=cmd_price_tokens)

    inst = commands.add_parser("instances", help="EC2 instance types").add_subparsers(
        dest="what", required=True
    )
    show = inst.add_parser("show", help="one instance type")
    show.add_argument("name", help="e.g. m5.2xlarge")
    show.set_defaults(run=cmd_instances_show)

    reg = commands.add_parser("regions", help="AWS Regions").add_subparsers(dest="what", required=True)
    rank = reg.add_parser("rank", help="rank Regions for users, compliance and services")
    rank.add_argument("--near", action="append", required=True, metavar="LAT,LON", help="users' location")
    rank.add_argument("--country", action="append", metavar="CC", help="allowed country (ISO code)")
    rank.add_argument("--service", action="append", metavar="NAME", help="needed service (boto3 name)")
    rank.add_argument("--weight", action="append", metavar="NAME=W", help="latency=0.7, price=0.3")
    rank.add_argument("--top", type=int, default=0, help="show only the best N")
    rank.set_defaults(run=cmd_regions_rank)

    demo = commands.add_parser("demo", help="the instructor's loop on a simulated class")
    demo.add_argument("--students", type=int, default=6, help="class size (default 6)")
    demo.add_argument("--assignment", action="append", help="assignment to run (default: all)")
    demo.add_argument("--out", default="build/demo", help="course folder to build (default build/demo)")
    demo.set_defaults(run=cmd_demo)

    for sub in (lam, tok, show, rank):
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
    demo.set_defaults(json=False)
    return parser


def _join_negative_values(argv: list[str]) -> list[str]:
    """Let `--near -33.87,151.21` through: argparse would read the value as an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] == "--near" and arg.startswith("-"):
            out[-1] = f"--near={arg}"
        else:
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the `course` command line."""
    parser = build_parser()
    args = parser.parse_args(_join_negative_values(list(sys.argv[1:] if argv is None else argv)))
    try:
        args.run(args)
    except CourseInputError as error:
        print(f"course: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
