"""Running the kit: `check` one component, `assert_conforms`, `conformance_test`."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras

from zoo._base.check_names import CHECKS
from zoo._base.errors import ZooError
from zoo._kit.checks import MIXED_POLICIES
from zoo._kit.data import SEED
from zoo._kit.lazy import lazy_check
from zoo._kit.report import CheckResult, Failed, NotApplicable, Report
from zoo._kit.subjects import Subject, make_subject, spec_example
from zoo._registry import default_registry
from zoo._specs.component import ComponentSpec, Example, Recipe

#: Checks of the component's plugin rather than of the component: they need no example.
PLUGIN_CHECKS: dict[str, Callable[[ComponentSpec | Recipe], None]] = {"lazy": lazy_check}


def component_ids(
    pattern: str | None = None, *, kind: str | None = None, plugin: str | None = None
) -> list[str]:
    """Ids of the registered components and recipes, for ``pytest.mark.parametrize``."""
    return [e.id for e in default_registry().entries(pattern, kind=kind, plugin=plugin)]


def assert_conforms(
    name: str,
    *,
    example: Example | Mapping[str, Any] | None = None,
    checks: Sequence[str] | None = None,
) -> Report:
    """Run `check` and raise AssertionError listing every failed check."""
    report = check(name, example=example, checks=checks)
    if not report.ok:
        raise AssertionError(f"{name} does not conform:\n{report}")
    return report


def conformance_test(
    pattern: str | None = None,
    *,
    kind: str | None = None,
    plugin: str | None = None,
    checks: Sequence[str] | None = None,
) -> Callable[..., None]:
    """A pytest test function parametrized over the matching components: one line.

    ``test_conformance = zoo.testing.conformance_test(plugin="astro")`` in a test
    module gives one test per component of the plugin ``astro`` (``test_conformance
    [astro/StarPool]``, ...), each failing with the full report. When nothing matches
    (the plugin is not installed, the pattern is wrong), the test fails instead of
    being silently skipped.
    """
    names = component_ids(pattern, kind=kind, plugin=plugin)
    if not names:
        wanted = ", ".join(
            f"{k}={v!r}"
            for k, v in (("pattern", pattern), ("kind", kind), ("plugin", plugin))
            if v is not None
        )
        return _failing_test(wanted)
    return _parametrized_test(names, checks)


def _failing_test(wanted: str) -> Callable[[], None]:
    """The test that fails when nothing matches ``wanted`` (the filters, as text)."""
    import pytest

    def test_conformance() -> None:
        pytest.fail(
            f"No registered component matches {wanted or 'anything'}. Is the plugin "
            "installed? `python -m zoo plugins` shows what is."
        )

    return test_conformance


def _parametrized_test(names: Sequence[str], checks: Sequence[str] | None) -> Callable[[str], None]:
    """One test per component id in ``names``, failing with the full report."""
    import pytest

    @pytest.mark.parametrize("name", names)
    def test_conformance(name: str) -> None:
        report = check(name, checks=checks)
        if not report.ok:
            pytest.fail(f"{name} does not conform:\n{report}", pytrace=False)

    return test_conformance


#: Kinds that are not Keras objects: the kit's component checks do not apply to them.
NOT_KERAS = {
    "dataset": "a dataset is a data source, not a Keras object (the data tests cover it)",
    "preset": "a preset is trained weights for a model, not a Keras object (its model's "
    "checks cover it)",
}


def declared_backends(entry: ComponentSpec | Recipe) -> tuple[str, ...]:
    """The backends a spec declares; a recipe runs where its builder does."""
    if isinstance(entry, ComponentSpec):
        return entry.backends
    if getattr(entry, "graph", None) is None and entry.builder:
        with contextlib.suppress(Exception):
            return default_registry().builder_of(entry).backends
    return ()


def not_applicable(entry: ComponentSpec | Recipe) -> str | None:
    """Why no check of the component itself applies here, or None when they do."""
    if isinstance(entry, ComponentSpec) and entry.kind in NOT_KERAS:
        return NOT_KERAS[entry.kind]
    backends = declared_backends(entry)
    backend = keras.config.backend()
    if backends and backend not in backends:
        return (
            f"declared for the {' and '.join(backends)} backend"
            f"{'s' if len(backends) > 1 else ''} only (backends={list(backends)}); "
            f"this run is on {backend}"
        )
    return None


def selected_checks(checks: Sequence[str] | None) -> tuple[str, ...]:
    if checks is None:
        return CHECKS
    if isinstance(checks, str):
        checks = [checks]
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise ZooError(f"The kit's checks are {', '.join(CHECKS)}. Received: {', '.join(unknown)}.")
    return tuple(c for c in CHECKS if c in checks)


def check(
    name: str,
    *,
    example: Example | Mapping[str, Any] | None = None,
    checks: Sequence[str] | None = None,
) -> Report:
    """Put the component or recipe ``name`` through the checks; never raises for a failure.

    Args:
        name: an id or unique short name of a registered layer, loss, metric, model,
            preprocessor, initializer or callback (or a recipe).
        example: how to exercise it; defaults to the spec's own ``example``.
        checks: the checks to run (default: all of `CHECKS`), reported in that order.

    The kit seeds Python, NumPy and the backend (``keras.utils.set_random_seed``) first,
    so a component's weights and inputs are the same on every run.
    """
    selected = selected_checks(checks)
    entry = default_registry().resolve(name)
    report = Report(entry.id)
    keras.utils.set_random_seed(SEED)  # the same weights and draws on every run
    ex = Example.coerce(example) if example is not None else spec_example(entry)
    subject: Subject | None = None
    setup_problem = "the spec declares no example; add example={...}"
    skip = not_applicable(entry)
    if skip is None and ex is not None and any(c not in PLUGIN_CHECKS for c in selected):
        try:
            subject = make_subject(entry, ex)
        except Exception as error:
            setup_problem = f"could not set it up from its example: {type(error).__name__}: {error}"
    for name_ in selected:
        if name_ in PLUGIN_CHECKS:
            run = functools.partial(PLUGIN_CHECKS[name_], entry)
        elif skip is not None:
            report.results.append(CheckResult(name_, "not applicable", skip))
            continue
        elif subject is None:
            report.results.append(CheckResult(name_, "failed", setup_problem))
            continue
        elif name_ in MIXED_POLICIES:
            run = functools.partial(subject.check_mixed, MIXED_POLICIES[name_])
        else:
            run = getattr(subject, f"check_{name_}")
        try:
            run()
        except NotApplicable as reason:
            report.results.append(CheckResult(name_, "not applicable", str(reason)))
        except Exception as error:  # a failed check, whatever raised it
            why = str(error) if isinstance(error, Failed) else f"{type(error).__name__}: {error}"
            report.results.append(CheckResult(name_, "failed", why))
        else:
            report.results.append(CheckResult(name_, "passed"))
    return report
