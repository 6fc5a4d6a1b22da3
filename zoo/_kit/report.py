"""What the kit reports: one `CheckResult` per check, gathered in a `Report`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "not applicable"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one component."""

    check: str
    status: Status
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class Report:
    """Every check's outcome for one component."""

    component: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failed"]

    def status(self, check: str) -> Status:
        """The status of one check by name."""
        for result in self.results:
            if result.check == check:
                return result.status
        raise KeyError(check)

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed, or did not apply."""
        counts = {"passed": 0, "failed": 0, "not applicable": 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "ok": self.ok,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }

    def __str__(self) -> str:
        lines = [self.component]
        for r in self.results:
            lines.append(f"  {r.check:<18} {r.status}" + (f": {r.reason}" if r.reason else ""))
        return "\n".join(lines)


class NotApplicable(Exception):
    """Raised inside a check that does not apply to this component."""


class Failed(Exception):
    """Raised inside a check that found a problem."""
