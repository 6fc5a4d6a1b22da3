"""Run the tests from a source checkout too: register the plugin if it is not installed."""

import zoo


def pytest_configure(config):
    if "tabular" not in [p.name for p in zoo.list_plugins()]:
        import zoo_tabular

        zoo.register_plugin(zoo_tabular, "tabular", distribution="zoo-tabular", version="0.1.0")
