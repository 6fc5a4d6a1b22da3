"""The ``python -m zoo`` command line.

Exit codes: 0 success, 1 error (one clear message on stderr), 2 usage error.
Each command lives in its own module with ``add_parser(subparsers, common)`` and a
``run(args)`` that returns an exit code. Only the module of the command being run is
imported and given its parser (``zoo list`` starts within reach of a bare Python); help,
a usage error and an unknown command get them all.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from zoo._base.errors import ZooError
from zoo._base.quiet import debug_requested, quiet_tensorflow
from zoo._cli._output import escape, line_buffered_when_piped, one_line_zoo_warnings
from zoo._version import __version__

#: Each command -> the module under ``zoo._cli`` that adds and runs it, in help order.
COMMANDS = {
    "list": "listing",
    "plugins": "listing",
    "info": "listing",
    "build": "building",
    "graph": "graph",
    "train": "train",
    "tune": "tune",
    "demo": "demo",
    "export": "export",
    "check": "check",
    "new-plugin": "new_plugin",
    "preset": "preset",
}


def _command_modules(argv: Sequence[str] | None) -> list[str]:
    """The modules whose parsers ``argv`` needs: its command's, else (None, help, a typo) all."""
    command = next((w for w in argv or () if not w.startswith("-")), None)
    if command in COMMANDS:
        return [COMMANDS[command]]
    return list(dict.fromkeys(COMMANDS.values()))


class CommandParser(argparse.ArgumentParser):
    """A command's parser: no prefix matching, and an unknown option is its own usage error.

    ``allow_abbrev`` is off, so a typo (``--epoch``) is an error rather than taken for
    another option (``--epochs``). An unknown option is reported with the command's usage
    and its nearest options, not bubbled up to the top-level usage.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            unknown = next((word for word in extras if word.startswith("-")), None)
            hint = ""
            if unknown is not None:
                close = close_options(unknown, list(self._option_string_actions))
                hint = f". Did you mean {' or '.join(close)}?" if close else ""
            self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return parsed, extras


def close_options(given: str, options: Sequence[str]) -> list[str]:
    """The options ``given`` may be a typo of: ``--lr`` -> ``--learning-rate``, ``--epoch``
    -> ``--epochs`` (initials, a prefix, then close spellings)."""
    name = given.split("=", 1)[0]
    body = name.lstrip("-")
    long = [o for o in options if o.startswith("--") and o != "--help"]
    initials = [o for o in long if "".join(w[:1] for w in o[2:].split("-")) == body]
    prefixed = [o for o in long if body and o[2:].startswith(body)]
    close = initials + prefixed or difflib.get_close_matches(name, long, n=3, cutoff=0.7)
    return list(dict.fromkeys(close))[:3]


def make_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv`` (by default every command's)."""
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="PATH",
        help="an extra registry.toml with recipes and settings (repeatable; see ZOO_REGISTRY)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m zoo",
        description="keras-zoo: list, inspect and build plugin components for Keras 3.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"keras-zoo {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        dest="debug_logs",
        action="store_true",
        help="show TensorFlow's own log lines (as ZOO_DEBUG=1 does, which also shows tracebacks)",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CommandParser
    )
    for module in _command_modules(argv):
        importlib.import_module(f"zoo._cli.{module}").add_parser(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = make_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:  # `python -m zoo`: say what there is
        parser.print_help()
        return 0
    # Commands that import TensorFlow should not bury their output under its C++ logs.
    quiet_tensorflow(debug=args.debug_logs)
    line_buffered_when_piped()
    one_line_zoo_warnings()
    # The cached listing stands for the registry a fresh process builds from the
    # environment, not for one this process already made or changed (`zoo.register_plugin`).
    registry_module = sys.modules.get("zoo._registry")
    args.fresh_registry = registry_module is None or not registry_module.default_registry_made()
    if args.registry:
        from zoo._registry import Registry, set_default_registry

        set_default_registry(Registry(registry_files=args.registry))
    try:
        return int(args.run(args))
    except ZooError as error:
        print(f"error: {escape(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`python -m zoo list | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        if debug_requested():
            raise
        print(
            f"error: {type(error).__name__}: {escape(error)}\n"
            "(set ZOO_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1
