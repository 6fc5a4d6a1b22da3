"""Issue #28 point 3: a plugin that fails to import says where, and that enabling won't help."""

from __future__ import annotations

import warnings

import pytest

import zoo
from zoo._registry import Registry


def test_a_plugin_with_a_syntax_error_says_where_and_not_to_enable_it(make_plugin) -> None:
    broken = make_plugin("broken", source="def zoo_register(register)\n    pass\n")
    reg = Registry(environ={}, include_default_file=False, entry_points=[broken])
    (info,) = [p for p in reg.plugins() if p.name == "broken"]
    assert info.status == "failed"
    assert info.reason.startswith("import failed: SyntaxError: expected ':' at ")
    assert info.reason.endswith(".py, line 1")
    with pytest.raises(zoo.NotFoundError) as raised:
        reg.resolve("broken/x")
    message = str(raised.value)
    assert "which failed to load: import failed: SyntaxError" in message
    assert "enabling it will not help: fix the plugin or reinstall it" in message
    assert "which is failed" not in message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.entries(plugin="broken")
    (warning,) = [str(w.message) for w in caught]
    assert "failed to load" in warning and "Enable it" not in warning


def test_a_failing_import_names_the_plugins_line(make_plugin) -> None:
    broken = make_plugin("broken", source="x = 1\nimport no_such_dependency_xyz\n")
    reg = Registry(environ={}, include_default_file=False, entry_points=[broken])
    (info,) = [p for p in reg.plugins() if p.name == "broken"]
    assert "import failed: ModuleNotFoundError" in info.reason
    assert info.reason.endswith(".py, line 2)")
