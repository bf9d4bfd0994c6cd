"""The ``lmsconf`` command: run the suites, serve a simulator, build the HTML report, print a profile's
OpenAPI document.

Exit codes: 0 every applicable rule passed; 1 at least one contract violation;
2 usage or configuration error; 3 the target could not be judged (unreachable, credentials
rejected, no usable answer); 4 some applicable rules were not checked (0 with
--allow-unchecked); 130 interrupted. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from conformance import profiles
from conformance.errors import EXIT_USAGE, ConfigError, ConformanceError


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"lmsconf: error: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="lmsconf", description="Contract-conformance suite for LMS vendor REST APIs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = sub.add_parser("run", help="run the conformance suites (embedded simulator unless --base-url)")
    run.add_argument("--profile", action="append", default=[], metavar="P",
                     help=f"profile to run (repeatable; default: all of {', '.join(profiles.available())})")
    run.add_argument("--base-url", metavar="URL", help="live sandbox base URL; credentials from LMSCONF_* variables")
    run.add_argument("--counterpart-base-url", metavar="URL",
                     help="live base URL of the older API the versions suite compares with (Absorb v1)")
    run.add_argument("--report-dir", default="reports", metavar="DIR", help="where reports go (default: reports)")
    run.add_argument("--read-only", action="store_true", help="leave out every test that writes")
    run.add_argument("--allow-unchecked", action="store_true",
                     help="exit 0 rather than 4 when every rule that ran passed but some were not checked")
    run.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS",
                     help="the whole run's deadline: past it only cleanup requests go out and the run ends "
                          "with exit 3 (default: 3600)")
    run.add_argument("--fuzz-examples", type=int, metavar="N",
                     help="generated requests per operation in the fuzz suite, at least 1 (default: the "
                          "suite's 5; more goes deeper)")
    add_gate_options(run)
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: passed to pytest as they are")

    sim = sub.add_parser("simulate", help="serve one vendor's simulator until stopped; prints LMSCONF_BASE_URL "
                         "(and for an HTTPS-only API LMSCONF_HTTP_URL, which redirects, and LMSCONF_CA_BUNDLE), "
                         "then the credentials")
    sim.add_argument("--profile", required=True, metavar="P")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sim.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    sim.add_argument("--db", metavar="PATH", help="SQLite file to keep the data in (default: in memory)")
    sim.add_argument("--dataset", choices=["default", "large"], default="default")
    sim.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")

    api = sub.add_parser(
        "openapi", help="print a profile's OpenAPI 3.1 document (YAML), or rewrite the shipped ones",
        description="Print the profile's OpenAPI 3.1 document as YAML on stdout. By default the document is "
                    "self-contained (every rule schema it uses copied under components/schemas): saved to a file "
                    "anywhere, it loads into Postman, Insomnia or Schemathesis. With --refs it is the document "
                    "as shipped in schemas/openapi/<id>.yaml, with $refs to the rule schemas relative to that "
                    "folder. After editing a profile, `lmsconf openapi --write` rewrites every shipped "
                    "schemas/openapi/<id>.yaml from its profile (tests/test_openapi.py fails while one differs).")
    which = api.add_mutually_exclusive_group(required=True)
    which.add_argument("--profile", metavar="P", help="profile name or path to a profile .toml")
    which.add_argument("--write", action="store_true",
                       help="rewrite schemas/openapi/<id>.yaml of every shipped profile from the profile and "
                            "name each file rewritten or up to date")
    api.add_argument("--refs", action="store_true",
                     help="print the document as shipped in schemas/openapi/<id>.yaml: $refs to the rule "
                          "schemas, relative to that folder")

    rep = sub.add_parser("report", help="build DIR/html/index.html from the Allure results of a run")
    rep.add_argument("--report-dir", default="reports", metavar="DIR")
    rep.add_argument("--full", action="store_true",
                     help="keep every exchange of every test whole (default: ticket-sized; a failed test's "
                          "exchanges in full, a passed test's listed one per line with its first in full)")

    add_compare_parser(sub)
    bun = sub.add_parser("bundle", help="zip what a vendor's support desk asks for (never a secret)",
                         description="Write one zip for a support ticket from the run in DIR: README.txt, "
                                     "summary.json, the single-file HTML report, and each failing test's requests "
                                     "(URL, status code, response data, a curl line with $LMSCONF_* placeholders) "
                                     "with the account name or client id. Refused (exit 2) when any file holds the "
                                     "value of a secret LMSCONF_* setting of the environment.")
    bun.add_argument("--report-dir", default="reports", metavar="DIR", help="the run's reports (default: reports)")
    bun.add_argument("-o", "--output", metavar="FILE.zip",
                     help="where to write it (default: DIR/lmsconf-bundle-<run time>.zip)")
    lst = sub.add_parser("rules", help="list every rule: area, seed section, writes, quota, the faults that break it")
    lst.add_argument("--profile", metavar="P", help="only the rules this profile applies")
    lst.add_argument("--format", choices=["table", "json", "markdown"], default="table",
                     help="table (default), json for machines, or markdown (the README's rule table)")
    return parser


COMPARE_HELP = """Send the same read-only GET requests to two sides and compare the answers field by field (seed 003
Step Three: "run all your calls in v1 and v1.5, comparing the results"). Each side is PROFILE (its embedded
simulator, served on loopback), PROFILE=URL (a live target; credentials from the LMSCONF_* variables the profile
needs, and for side B from LMSCONF_B_* instead when any LMSCONF_B_* variable is set) or a capture .json file that an
earlier compare wrote (DIR/compare/capture-a.json, capture-b.json). Only GET requests are sent, besides the
authentication the profile documents. The operations: the first page of each collection both profiles list (the
newer profile's resources paired with their counterparts) and one record by id; a nested collection and the record
are asked for with the parent and id the first side chose. Records are paired by id, field names without regard to
case. A difference that the vendor's table (Absorb: seed 003 Appendix C) predicts for that operation is expected,
listed with its row; every other one, and a predicted one that does not show, is unexpected. Writes
DIR/compare/compare.json, the captures, and DIR/compare/allure-results for `lmsconf report`. Exit 0 no
unexpected difference, 1 some, 2 bad input, 3 a side unreachable or refusing the credentials."""


def add_compare_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    cmp = sub.add_parser("compare", help="compare two targets or saved captures over the same GET requests",
                         description=COMPARE_HELP)
    cmp.add_argument("side_a", metavar="A", help="PROFILE, PROFILE=URL or a capture .json file")
    cmp.add_argument("side_b", metavar="B", help="PROFILE, PROFILE=URL or a capture .json file")
    cmp.add_argument("--report-dir", default="reports", metavar="DIR", help="where DIR/compare/ goes")
    cmp.add_argument("--fault", action="append", default=[], metavar="NAME",
                     help="switch on a named fault in the simulated side whose profile commits it")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            from conformance.runner import run

            extra = list(args.pytest_args)
            if extra and extra[0] == "--":
                extra = extra[1:]
            return run(args.profile, base_url=args.base_url, report_dir=args.report_dir, read_only=args.read_only,
                       pytest_args=extra, counterpart_base_url=args.counterpart_base_url,
                       allow_unchecked=args.allow_unchecked, timeout=args.timeout,
                       fuzz_examples=args.fuzz_examples, **gate_options(args))
        if args.command == "simulate":
            return simulate(args)
        if args.command == "openapi":
            return openapi(args)
        if args.command == "compare":
            return compare(args)
        if args.command == "bundle":
            return bundle(args)
        if args.command == "rules":
            return list_rules(args)
        from conformance.reporting.html import build

        build(args.report_dir, keep_all=args.full)
        return 0
    except ConformanceError as exc:
        print(f"lmsconf: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lmsconf: interrupted", file=sys.stderr)
        return 130


def add_gate_options(run: argparse.ArgumentParser) -> None:
    """The CI regression gate of `lmsconf run` (README, "Known deviations and baselines")."""
    gate = run.add_argument_group(
        "CI regression gate",
        "Fail on what is new, not on known deviations. Both files are checked before any request is sent "
        "(a bad one is exit 2); summary.json gets top-level 'waivers' and 'baseline' objects.")
    gate.add_argument("--waivers", metavar="FILE",
                      help="TOML file of [[waiver]] tables (rule: id or fnmatch pattern such as 'ratelimit.*'; "
                           "profile; host: fnmatch over the target's host, default '*', the embedded simulator is "
                           "'embedded'; reason; ticket; expires: the last day it waives). A failing rule a live "
                           "waiver names comes out 'waived' and does not fail the run; a waiver whose rules all "
                           "ran and passed is stale: exit 1, named on stderr; an expired one waives nothing and "
                           "says so; an unknown profile or a rule pattern matching none of its rules is exit 2")
    gate.add_argument("--baseline", metavar="PATH",
                      help="a previous run's summary.json: exit 1 only for rules that passed there and fail now "
                           "(regressions); the rules fixed since, still failing, and new since it are listed")


def gate_options(args: argparse.Namespace) -> dict[str, str | None]:
    return {"waivers": args.waivers, "baseline": args.baseline}


def simulate(args: argparse.Namespace) -> int:
    from conformance.simulator.faults import FAULTS
    from conformance.simulator.server import serve

    if args.list_faults:
        for fault in FAULTS.values():
            print(f"{fault.name:<28} {fault.rule:<36} {fault.description}")
        return 0
    profile = profiles.load(args.profile)
    try:
        serve(profile.id, host=args.host, port=args.port, faults=args.fault, db=args.db, dataset=args.dataset)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return 0


def compare(args: argparse.Namespace) -> int:
    from conformance.compare.command import compare as run_compare

    return run_compare(args.side_a, args.side_b, args.report_dir, faults=args.fault)


def bundle(args: argparse.Namespace) -> int:
    from conformance.reporting.bundle import build

    build(args.report_dir, args.output)
    return 0


def list_rules(args: argparse.Namespace) -> int:
    from conformance.rules.listing import render

    chosen = profiles.load(args.profile) if args.profile else None
    sys.stdout.write(render(args.format, chosen))
    return 0


def openapi(args: argparse.Namespace) -> int:
    from conformance import openapi as documents
    from conformance.paths import ROOT

    if args.write:
        if args.refs:
            raise ConfigError("openapi: --refs prints one profile's document; --write rewrites them all "
                              "(see lmsconf openapi --help)")
        for path, changed in documents.write_shipped():
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"{shown}: {'rewritten' if changed else 'up to date'}")
        return 0
    text = documents.text(profiles.load(args.profile), refs=args.refs)
    try:
        binary = getattr(sys.stdout, "buffer", None)   # UTF-8 whatever the terminal's encoding
        if binary is not None:
            binary.write(text.encode("utf-8"))
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:   # `lmsconf openapi ... | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
