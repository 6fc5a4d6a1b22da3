"""zoo.data, the plugin author's data API: its names, plugin tasks, no private imports."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import zoo
import zoo.data

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_name_exists_and_the_user_names_are_the_same_objects():
    assert sorted(zoo.data.__all__) == sorted(set(zoo.data.__all__))
    for name in zoo.data.__all__:
        assert getattr(zoo.data, name) is not None, name
    assert zoo.data.DataSplits is zoo.DataSplits
    assert zoo.data.DataInfo is zoo.DataInfo
    assert zoo.data.ZooError is zoo.ZooError
    assert {"split_arrays", "from_arrays", "Task", "require"} <= set(zoo.data.__all__)


def test_the_core_tasks_are_declared():
    tasks = {task.name: task for task in zoo.data.declared_tasks()}
    assert tasks["classification"].classification
    assert not tasks["regression"].classification
    assert zoo.data.get_task("classification") is tasks["classification"]


def test_an_undeclared_task_is_an_error_that_names_the_declared_ones():
    with pytest.raises(zoo.ZooError, match=r"declared task: .*classification.*never_declared"):
        zoo.data.DataInfo(source="mine/toy", task="never_declared")


def test_a_plugin_task_is_declared_by_passing_it_and_then_known_by_name():
    ranking = zoo.data.Task("ranking_for_test", summary="An order of items.")
    info = zoo.data.DataInfo(source="mine/toy", task=ranking, target_dtype="float32")
    assert info.task == "ranking_for_test" and info.to_dict()["task"] == "ranking_for_test"
    assert not info.is_classification
    again = zoo.data.DataInfo(source="mine/other", task="ranking_for_test")
    assert again.task == "ranking_for_test"
    assert zoo.data.get_task("ranking_for_test") == ranking


def test_one_task_name_cannot_mean_two_things():
    zoo.data.declare_task(zoo.data.Task("clash_for_test"))
    zoo.data.declare_task(zoo.data.Task("clash_for_test"))  # the same again: harmless
    with pytest.raises(zoo.ZooError, match="A task name means one task"):
        zoo.data.declare_task(zoo.data.Task("clash_for_test", classification=True))


@pytest.mark.parametrize("name", ["", "2d", "with space", "a-b", None])
def test_a_task_name_is_an_identifier(name):
    with pytest.raises(zoo.ZooError, match="A task's name starts with a letter"):
        zoo.data.Task(name)


def test_a_declared_classification_task_splits_like_classification():
    multiclass = zoo.data.Task("labels_for_test", classification=True)
    y = np.repeat(np.arange(3), [50, 30, 20])
    x = np.arange(len(y), dtype="float32")[:, None]
    data = zoo.data.split_arrays(x, y, source="mine/toy", task=multiclass, seed=1)
    assert data.info.task == "labels_for_test" and data.info.is_classification
    assert data.info.num_classes == 3 and data.info.split["stratified"] is True
    assert data.info.builder_arguments["num_classes"] == 3
    _, y_test = data.arrays("test")
    assert np.bincount(y_test).tolist() == [10, 6, 4]  # each class's share kept


def test_a_declared_task_other_than_classification_is_not_stratified():
    ordinal = zoo.data.Task("scores_for_test")
    y = np.arange(100, dtype="float32")
    data = zoo.data.split_arrays(y[:, None], y, source="mine/toy", task=ordinal)
    assert data.info.num_classes is None and data.info.split["stratified"] is False


def test_require_names_the_package_to_install():
    assert zoo.data.require("json", "json", "mine/toy").__name__ == "json"
    with pytest.raises(zoo.ZooError, match=r"pip install not-a-package.*"):
        zoo.data.require("not_a_module_here", "not-a-package", "mine/toy")


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("zoo._")]
    return found


def test_plugins_and_examples_import_only_public_zoo_modules():
    files = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    assert files
    private = [hit for path in files for hit in _private_imports(path)]
    assert private == []


def test_a_declared_classification_task_gets_the_class_count_check():
    import keras

    from zoo._training.checks import check_fits

    labels = zoo.data.Task("intent_for_test", classification=True)
    y = np.arange(40) % 2
    data = zoo.data.split_arrays(np.ones((40, 3), "float32"), y, source="mine/toy", task=labels)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    with pytest.raises(zoo.ZooError, match="predicts 3 classes"):
        check_fits(model, data.info, "mine")


@pytest.mark.parametrize("name", ["split_arrays", "from_arrays", "pipeline", "Task", "require"])
def test_the_docstring_examples_run(name):
    import doctest

    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(getattr(zoo.data, name), name, globs={})
    assert tests and tests[0].examples, f"{name} has no example"
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
