"""The `course` command: calculators and look-ups for readers and scripts, the demo for instructors.

Every command prints a readable table, or JSON with --json. Bad input exits with status 2 and one
line on stderr.
"""

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
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
    from course.aws.instances import instance_type

    info = instance_type(args.name).as_dict()
    info["attributes"] = list(info["attributes"])
    info["attribute_descriptions"] = instance_type(args.name).attribute_descriptions
    _output(args, info, lambda: _table(f"EC2 instance type {info['name']}", list(info.items())))


def cmd_regions_rank(args: argparse.Namespace) -> None:
    """Regions best first for users at the given points."""
    from course.aws.regions import parse_latlon, rank_regions

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


def cmd_freshness(args: argparse.Namespace) -> None:
    """Prices older than a year, what retires or closes soon, and answers that name what is gone."""
    from course.instructor.freshness import coming, stale_answers, stale_prices

    today = _day(args.today)
    old, soon = stale_prices(today, args.months), coming(today, args.days)
    stale = stale_answers(_course(args), today)
    data = {
        "today": today.isoformat(),
        "stale_prices": [f.as_dict() | {"date": f.date.isoformat()} for f in old],
        "coming": [f.as_dict() | {"date": f.date.isoformat()} for f in soon],
        "stale_answers": stale,
    }

    def render() -> Table:
        table = Table("kind", "date", "what", "file", title=f"Freshness of the course's facts on {today}")
        for f in old:
            table.add_row(f"checked over {args.months} months ago", f.date.isoformat(), f.name, f.file)
        for f in soon:
            table.add_row(f"within {args.days} days", f.date.isoformat(), f"{f.name}: {f.what}", f.file)
        for line in stale:
            table.add_row("stale answer", "", line, "source/")
        return table

    _output(args, data, render)


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CourseInputError(f"--today takes a date such as 2026-12-07 (got {text!r})") from None


def cmd_demo(args: argparse.Namespace) -> None:
    """Run the instructor's loop on a simulated class."""
    from course.instructor.demo import run_demo

    run_demo(students=args.students, assignments=args.assignment, out=args.out, workers=args.workers)


def _course(args: argparse.Namespace) -> Path:
    from course.grading.nbgrader_setup import find_course

    return find_course(Path(args.course) if args.course else None)


def _progress(total: int, what: str):
    """A progress bar on stderr, so --json output and pipes stay clean."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    return bar, bar.add_task(what, total=total)


def cmd_roster_import(args: argparse.Namespace) -> None:
    """Import a roster CSV into the gradebook."""
    from course.instructor.roster import import_roster

    students = import_roster(_course(args), Path(args.file))
    print(f"{len(students)} students imported into the gradebook (roster kept as roster.csv)")


def cmd_release(args: argparse.Namespace) -> None:
    """Generate an assignment from source/ and release it to the exchange."""
    from course.instructor.exchange import release

    print(f"released to {release(_course(args), args.assignment)}")


def cmd_collect(args: argparse.Namespace) -> None:
    """Collect submissions from the exchange, or from an LMS zip archive."""
    from course.instructor.exchange import collect, collect_zip

    root = _course(args)
    if args.zip:
        students, skipped = collect_zip(root, args.assignment, Path(args.zip))
        for name in skipped:
            print(f"skipped {name}: not named LOGIN_ID_SUBMISSION_FILE or not on the roster", file=sys.stderr)
    else:
        students = collect(root, args.assignment)
    print(f"{len(students)} submissions of {args.assignment} in submitted/: {', '.join(students) or 'none'}")


def cmd_grade(args: argparse.Namespace) -> None:
    """Autograde every collected submission, several at once."""
    from course.grading.nbgrader_setup import check_assignment
    from course.grading.parallel import grade_assignment, submitted_students, timing_summary

    root = _course(args)
    check_assignment(root, args.assignment)
    students = args.student or submitted_students(root, args.assignment)
    bar, task = _progress(len(students), f"grading {args.assignment}")
    with bar:
        outcomes = grade_assignment(
            root,
            args.assignment,
            students,
            workers=args.workers,
            limit_s=args.limit,
            on_done=lambda _: bar.advance(task),
            allow_unsandboxed=True if args.unsandboxed else None,
            scheduler=args.scheduler,
        )
    for o in outcomes:
        why = f" ({o.detail.strip().splitlines()[-1]})" if o.detail.strip() else ""
        print(f"{o.student}: {o.status} in {o.seconds:.1f} s{why}")
    if summary := timing_summary(outcomes):
        print(summary)


def cmd_check(args: argparse.Namespace) -> None:
    """Grade your own notebook of one assignment with the course's tests, hidden ones included."""
    from course.instructor.self_check import check_notebook

    results = check_notebook(_course(args), args.assignment, Path(args.notebook) if args.notebook else None)
    data = [r.as_dict() for r in results]

    def render() -> Table:
        total, best = sum(r.score for r in results), sum(r.max_score for r in results)
        table = Table(
            "cell", "score", "what the tests said", title=f"{args.assignment}: {total:g} of {best:g}"
        )
        for r in results:
            table.add_row(r.grade_id, f"{r.score:g} / {r.max_score:g}", r.message or "all tests passed")
        return table

    _output(args, data, render)


def cmd_feedback(args: argparse.Namespace) -> None:
    """Generate HTML feedback for every graded student."""
    from course.grading.nbgrader_setup import check_assignment
    from course.instructor.feedback import generate_feedback

    root = _course(args)
    check_assignment(root, args.assignment)
    graded = len(list((root / "autograded").glob(f"*/{args.assignment}")))
    bar, task = _progress(graded, f"feedback {args.assignment}")
    with bar:
        pages = generate_feedback(root, args.assignment, on_done=lambda _: bar.advance(task))
    print(f"{len(pages)} feedback pages under {root / 'feedback'}")


def cmd_export(args: argparse.Namespace) -> None:
    """Export the grades: one row per student, a column per assignment."""
    from course.instructor.exports import export_canvas, export_csv

    root = _course(args)
    if args.format == "canvas":
        print(f"wrote {export_canvas(root, Path(args.out or 'grades-canvas.csv'))}")
    else:
        wide, questions = export_csv(root, Path(args.out or "grades.csv"))
        print(f"wrote {wide} and {questions}")


def cmd_report(args: argparse.Namespace) -> None:
    """Write the class report of one assignment, or with --all the course-wide report."""
    from course.grading.nbgrader_setup import check_assignment

    if bool(args.assignment) == bool(args.all):
        raise CourseInputError("name one assignment, or give --all for the course-wide report")
    root = _course(args)
    out = Path(args.out) if args.out else None
    if args.all:
        from course.instructor.course_report import build_course_report

        print(f"wrote {build_course_report(root, out)}")
        return
    from course.instructor.report import build_report

    check_assignment(root, args.assignment)
    print(f"wrote {build_report(root, args.assignment, out)}")


def build_parser() -> OneLineParser:
    """The argument parser of the `course` command."""
    parser = OneLineParser(prog="course", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for sub in _add_learner_commands(commands):
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_instructor_commands(commands)
    for sub in commands.choices.values():
        sub.set_defaults(json=False)
    return parser


def _add_learner_commands(commands: argparse._SubParsersAction) -> list[OneLineParser]:
    """The calculators and lookups (price, instances, regions); returns those that can print JSON."""
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

    check = commands.add_parser(
        "check", help="grade your own notebook with the course's tests (hidden ones too)"
    )
    check.add_argument("assignment", help="assignment folder name, e.g. 01-cloud-computing")
    check.add_argument("--notebook", help="your notebook (default: the one in release/ASSIGNMENT/)")
    check.add_argument("--course", help="course folder (default: the one holding nbgrader_config.py)")
    check.set_defaults(run=cmd_check)
    return [lam, tok, show, rank, check]


def _add_instructor_commands(commands: argparse._SubParsersAction) -> None:
    """The instructor's loop: roster, release, collect, grade, feedback, export, report, demo."""

    def instructor(name: str, help: str, run, assignment: bool = True) -> OneLineParser:
        sub = commands.add_parser(name, help=help, description=help)
        if assignment:
            sub.add_argument("assignment", help="assignment folder name, e.g. 01-cloud-computing")
        sub.add_argument("--course", help="course folder (default: the one holding nbgrader_config.py)")
        sub.set_defaults(run=run)
        return sub

    roster = commands.add_parser("roster", help="the class roster").add_subparsers(dest="what", required=True)
    imp = roster.add_parser("import", help="import a roster CSV (id, first_name, last_name, email)")
    imp.add_argument(
        "file", help="CSV file; optional columns lms_user_id, sis_user_id, sis_login_id, section"
    )
    imp.add_argument("--course", help="course folder (default: the one holding nbgrader_config.py)")
    imp.set_defaults(run=cmd_roster_import)
    instructor("release", "generate an assignment from source/ and release it to the exchange", cmd_release)
    col = instructor(
        "collect", "collect submissions from the exchange (or an LMS zip) into submitted/", cmd_collect
    )
    col.add_argument("--zip", metavar="FILE", help="a zip of submissions downloaded from Canvas")
    grade = instructor("grade", "autograde every collected submission, several at once", cmd_grade)
    grade.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    grade.add_argument(
        "--limit", type=float, default=600, help="wall-clock seconds per submission (default 600)"
    )
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the workers of this Dask cluster (e.g. tcp://host:8786); the gradebook stays here",
    )
    grade.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade even where the bubblewrap sandbox cannot run (only for submissions you trust)",
    )
    instructor("feedback", "HTML feedback for every graded student", cmd_feedback)
    exp = instructor(
        "export", "grades: a row per student, a column per assignment", cmd_export, assignment=False
    )
    exp.add_argument("--format", choices=["csv", "canvas"], default="csv", help="csv (default) or canvas")
    exp.add_argument("--out", help="output file (default grades.csv or grades-canvas.csv)")
    rep = instructor(
        "report", "class report (HTML with figures) of one assignment, or --all", cmd_report, False
    )
    rep.add_argument("assignment", nargs="?", help="assignment folder name, e.g. 01-cloud-computing")
    rep.add_argument(
        "--all",
        action="store_true",
        help="the course-wide report: progress per student, score by exam domain and task statement",
    )
    rep.add_argument("--out", help="output file (default reports/ASSIGNMENT.html, or reports/course.html)")

    demo = commands.add_parser("demo", help="the instructor's loop on a simulated class")
    demo.add_argument("--students", type=int, default=8, help="class size (default 8)")
    demo.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    demo.add_argument("--assignment", action="append", help="assignment to run (default: all)")
    demo.add_argument("--out", default="build/demo", help="course folder to build (default build/demo)")
    demo.set_defaults(run=cmd_demo)

    fresh = instructor(
        "freshness",
        "prices over a year old, what retires soon, answers naming what is gone",
        cmd_freshness,
        assignment=False,
    )
    fresh.add_argument("--today", help="the day to judge from, YYYY-MM-DD (default: today)")
    fresh.add_argument("--months", type=int, default=12, help="a price checked longer ago is stale (12)")
    fresh.add_argument("--days", type=int, default=90, help="list what retires or closes within N days (90)")
    fresh.add_argument("--json", action="store_true", help="print JSON instead of a table")


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
