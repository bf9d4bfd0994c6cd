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
        self.exit(EXIT_USAGE, f"lmsconf: error: {message} (see lmsconf {self.prog.split()[-1]} --help)\n")


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
    return parser


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
                       fuzz_examples=args.fuzz_examples)
        if args.command == "simulate":
            return simulate(args)
        if args.command == "openapi":
            return openapi(args)
        from conformance.reporting.html import build

        build(args.report_dir, keep_all=args.full)
        return 0
    except ConformanceError as exc:
        print(f"lmsconf: {exc.reason}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("lmsconf: interrupted", file=sys.stderr)
        return 130


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
