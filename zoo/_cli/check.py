"""``zoo check``: run the conformance kit over components, one line each, or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zoo._base.check_names import CHECKS
from zoo._base.errors import ArgumentError
from zoo._cli._output import print_json, print_table
from zoo._specs.component import KINDS


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "check",
        parents=[common],
        help="run the conformance kit on components (all, by name, or by plugin)",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="ids or patterns (default: all)")
    p.add_argument("--plugin", help="only this plugin's components and recipes")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument(
        "--check",
        dest="checks",
        action="append",
        choices=CHECKS,
        help="run only this check (repeatable; default: all)",
    )
    p.add_argument("--skip", action="append", default=[], choices=CHECKS, help="skip this check")
    p.add_argument("-v", "--verbose", action="store_true", help="print every check's outcome")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_check)


def _targets(args: argparse.Namespace) -> list[str]:
    import zoo

    if not args.names:
        return [e.id for e in zoo.list_components(kind=args.kind, plugin=args.plugin)]
    ids: list[str] = []
    for name in args.names:
        if any(c in name for c in "*?["):
            found = [e.id for e in zoo.list_components(name, kind=args.kind, plugin=args.plugin)]
        else:
            found = [zoo.get_spec(name).id]
        if not found:
            raise ArgumentError(
                f"Each pattern must match a component. Received: {name!r}, which matches "
                "nothing. `python -m zoo list` shows what is registered."
            )
        ids += [i for i in found if i not in ids]
    return ids


def run_check(args: argparse.Namespace) -> int:
    names = _targets(args)
    if not names:
        raise ArgumentError(
            "zoo check needs at least one component. Received: nothing matches "
            f"plugin={args.plugin!r}, kind={args.kind!r}. `python -m zoo plugins` shows what "
            "is installed."
        )
    import zoo.testing

    checks = [c for c in (args.checks or CHECKS) if c not in args.skip]
    reports = []
    for name in names:
        report = zoo.testing.check(name, checks=checks)
        reports.append(report)
        if not args.json:
            counts = report.counts()
            mark = "ok  " if report.ok else "FAIL"
            print(
                f"{mark} {report.component}: {counts['passed']} passed, {counts['failed']} "
                f"failed, {counts['not applicable']} not applicable",
                flush=True,
            )
            for result in report.results:
                if result.status == "failed" or args.verbose:
                    reason = f": {result.reason}" if result.reason else ""
                    print(f"       {result.check:<18} {result.status}{reason}", flush=True)
    clashes = zoo.testing.name_clashes()
    totals = {"passed": 0, "failed": 0, "not applicable": 0}
    for report in reports:
        for status, count in report.counts().items():
            totals[status] += count
    conforming = sum(report.ok for report in reports)
    ok = conforming == len(reports) and not clashes
    if args.json:
        print_json(
            {
                "ok": ok,
                "components": [r.to_dict() for r in reports],
                "name_clashes": [str(c) for c in clashes],
                "summary": {"components": len(reports), "conforming": conforming, **totals},
            }
        )
        return 0 if ok else 1
    print()
    per_check = [
        (
            check,
            *(
                sum(1 for r in reports for x in r.results if x.check == check and x.status == s)
                for s in ("passed", "failed", "not applicable")
            ),
        )
        for check in checks
    ]
    print_table(("CHECK", "PASSED", "FAILED", "NOT APPLICABLE"), per_check)
    print(
        f"\n{conforming} of {len(reports)} components conform; checks: {totals['passed']} "
        f"passed, {totals['failed']} failed, {totals['not applicable']} not applicable"
    )
    for clash in clashes:
        print(f"name clash: {clash}", file=sys.stderr)
    return 0 if ok else 1
