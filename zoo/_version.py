"""The version of keras-zoo and of the plugin API it speaks."""

__version__ = "0.1.0"

#: The integer plugin API version. A plugin declares the versions it supports through
#: the ``zoo_plugin_api`` hook; a plugin that does not list this one is ``incompatible``.
PLUGIN_API_VERSION = 1
