"""Tasks: what a data source's targets are, as the core needs to know it.

The core declares ``classification`` and ``regression``; a plugin declares its own
(a ``ranking`` task, say) with a `Task` that its data source passes as
``task=``. The first `DataInfo` made with it declares it for the process; from then on
its name alone is accepted too. The core asks a task only what it needs: whether its
targets are class labels (a stratified split, ``num_classes``, the confusion matrix,
accuracy). Standard library only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from zoo._base.errors import ZooError


@dataclass(frozen=True)
class Task:
    """A kind of prediction a data source's targets call for.

    Args:
        name: the task's name, as ``DataInfo.task`` and ``run.json`` show it
            (letters, digits and ``_``, starting with a letter).
        classification: True if the targets are integer class labels ``0 ..
            num_classes - 1``: splits are then stratified by class, ``num_classes`` is
            checked against the model's outputs, and a run draws a confusion matrix.
        summary: one line saying what is predicted.

    Example:

    >>> import zoo.data
    >>> RANKING = zoo.data.Task("ranking", summary="The order of a query's items.")
    >>> RANKING.classification
    False
    """

    name: str
    classification: bool = False
    summary: str = ""

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.isidentifier() or not name[:1].isalpha():
            raise ZooError(
                "A task's name starts with a letter and holds letters, digits and '_'. "
                f"Received: name={name!r}. Use for example 'ranking'."
            )
        if not isinstance(self.classification, bool):
            raise ZooError(
                "A task's classification is True or False. "
                f"Received: classification={self.classification!r} for {name!r}."
            )
        if not isinstance(self.summary, str) or "\n" in self.summary:
            raise ZooError(
                f"A task's summary is one line of text. Received: summary={self.summary!r} "
                f"for {name!r}."
            )


#: The tasks the core itself knows.
CORE_TASKS = (
    Task("classification", classification=True, summary="Integer class labels."),
    Task("regression", summary="Real-valued targets."),
)

_declared: dict[str, Task] = {task.name: task for task in CORE_TASKS}
_lock = threading.Lock()


def declare_task(task: Task) -> Task:
    """Declare ``task`` for this process and return it; declaring it again is harmless.

    Raises ZooError if another task of the same name was declared with other fields:
    two plugins that mean different things by one task name must not silently share it.
    """
    if not isinstance(task, Task):
        raise ZooError(
            f"declare_task takes a zoo.data.Task. Received: {task!r}. "
            "Pass for example zoo.data.Task('ranking')."
        )
    with _lock:
        known = _declared.setdefault(task.name, task)
    if known != task:
        raise ZooError(
            f"A task name means one task. Received: {task!r}, while {known!r} is declared. "
            "Rename your task, or use the declared one."
        )
    return task


def get_task(task: str | Task, source: str = "") -> Task:
    """The declared `Task` of a name (a `Task` is declared and returned).

    Raises ZooError naming the declared tasks if ``task`` is a name nobody declared
    (``source``, the data source's id, is named in the message).
    """
    if isinstance(task, Task):
        return declare_task(task)
    known = _declared.get(task) if isinstance(task, str) else None
    if known is None:
        names = ", ".join(sorted(_declared))
        raise ZooError(
            f"A data source's task is a declared task: {names}. Received: task={task!r}"
            f"{f' from {source!r}' if source else ''}. "
            "A plugin declares its own by passing task=zoo.data.Task(name, ...)."
        )
    return known


def declared_tasks() -> tuple[Task, ...]:
    """Every task declared in this process (the core's and the plugins' so far), by name."""
    return tuple(sorted(_declared.values(), key=lambda t: t.name))
