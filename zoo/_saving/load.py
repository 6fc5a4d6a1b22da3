"""Loading ``.keras`` files: check the archive, import the plugins it names, then load.

Keras finds a custom class only if its module was imported before ``load_model``
("Could not locate class"), and never imports a module a file names (that would run
code the file chooses). `load` closes the gap safely: it reads the saved config,
collects every ``zoo.<plugin>>Name`` in it, and imports those classes through the
*installed* plugins' specs, never from a module path written in the file. Other
plugins' implementations are not imported. Then it calls
``keras.saving.load_model(..., safe_mode=True)``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._base.errors import NotFoundError, ZooError, ZooWarning
from zoo._saving.save import CONFIG_FILE, METADATA_FILE, METADATA_FORMAT, zoo_classes

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import PluginInfo

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"

#: The largest ``config.json`` or ``metadata.json`` (as declared in the archive) that
#: `zoo.load` reads; set ``ZOO_MAX_CONFIG_BYTES`` to allow more.
MAX_CONFIG_BYTES = 32 * 2**20
#: A member that inflates to more than this many times its stored size, and above
#: `EXPANSION_FLOOR_BYTES`, is a decompression bomb (Keras writes members uncompressed).
MAX_EXPANSION = 200
EXPANSION_FLOOR_BYTES = 256 * 2**20


@dataclass(frozen=True)
class SavedFile:
    """What a ``.keras`` archive says about itself, read without building the model.

    Args:
        path: the file.
        config: the serialized model (``config.json``).
        metadata: ``metadata.json`` (Keras version, date; the ``"zoo"`` entry if saved
            by `zoo.save`).
        classes: ``{plugin: {Name: module}}`` for every ``zoo.<plugin>>Name`` in the config.
    """

    path: Path
    config: dict[str, Any]
    metadata: dict[str, Any]
    classes: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def zoo(self) -> dict[str, Any] | None:
        """The ``"zoo"`` entry written by `zoo.save`, or None for a plain Keras file."""
        entry = self.metadata.get("zoo")
        return entry if isinstance(entry, dict) else None

    @property
    def plugins(self) -> dict[str, dict[str, Any]]:
        """``{plugin: {"distribution", "version", "names"}}`` as recorded at save time."""
        entry = self.zoo or {}
        plugins = entry.get("plugins")
        return plugins if isinstance(plugins, dict) else {}


def _not_keras(path: Path, why: str) -> ZooError:
    return ZooError(
        f"zoo.load reads Keras archives (.keras files written by zoo.save or model.save). "
        f"Received: {str(path)!r}, {why}. Save the model again with zoo.save."
    )


def read_saved_file(path: str | os.PathLike[str]) -> SavedFile:
    """Open and check a ``.keras`` archive: the zip structure, every member's CRC, the JSON.

    Raises ZooError for a missing file, a folder, another format (HDF5, a SavedModel),
    a truncated or corrupt archive, or an archive without ``config.json``.
    """
    path = Path(path)
    _check_keras_file(path)
    config, metadata = _read_archive(path)
    if not isinstance(config, dict) or not isinstance(metadata, dict):
        raise _not_keras(path, f"whose {CONFIG_FILE} is not a serialized Keras object")
    return SavedFile(path, config, metadata, zoo_classes(config))


def _check_keras_file(path: Path) -> None:
    """Refuse what is not a ``.keras`` zip archive, naming what it is instead."""
    if path.is_dir():
        if (path / "saved_model.pb").exists():
            raise ZooError(
                "zoo.load reads .keras files. Received: a SavedModel folder "
                f"{str(path)!r}. Load it with tf.saved_model.load, or wrap it in "
                "keras.layers.TFSMLayer."
            )
        raise _not_keras(path, "a folder")
    if not path.exists():
        raise NotFoundError(f"zoo.load needs an existing file. Received: {str(path)!r}.")
    if path.suffix != ".keras":
        raise ZooError(
            f"zoo.load reads .keras files. Received: {str(path)!r}. A file saved by zoo.save "
            "or model.save ends in .keras; rename it if it is one."
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(_HDF5_SIGNATURE):
        raise _not_keras(path, "an HDF5 file (the legacy .h5 format)")
    if not zipfile.is_zipfile(path):
        why = (
            "a zip archive cut short (truncated): its end is missing"
            if head.startswith(_ZIP_SIGNATURE)
            else "not a zip archive"
            if head
            else "an empty file"
        )
        raise _not_keras(path, why)


def _read_archive(path: Path) -> tuple[Any, Any]:
    """The archive's config and metadata JSON, after its sizes and checksums are checked."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if CONFIG_FILE not in names:
                shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
                raise _not_keras(path, f"a zip archive without {CONFIG_FILE} (it holds {shown})")
            _check_sizes(path, archive)
            bad = archive.testzip()  # streams each member in 1 MiB chunks
            if bad is not None:
                raise ZooError(
                    f"A saved model must be intact. Received: {str(path)!r}, whose member "
                    f"{bad!r} fails its checksum (the file is corrupt). Save it again, or "
                    "restore it from a copy."
                )
            config = json.loads(archive.read(CONFIG_FILE))
            metadata = json.loads(archive.read(METADATA_FILE)) if METADATA_FILE in names else {}
            return config, metadata
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise ZooError(
            f"A saved model must be a readable zip archive. Received: {str(path)!r}: "
            f"{type(error).__name__}: {error}. The file is corrupt or truncated; save it again."
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ZooError(
            f"A saved model holds JSON in {CONFIG_FILE} and {METADATA_FILE}. Received: "
            f"{str(path)!r}: {error}. The file is corrupt; save it again."
        ) from error
    except RecursionError:
        raise ZooError(
            f"A saved model's {CONFIG_FILE} nests as deep as Python can parse at most. "
            f"Received: {str(path)!r}, nested deeper. The file is corrupt or hostile; do not "
            "load it."
        ) from None
    except MemoryError:
        raise ZooError(
            f"Checking a saved model must fit in memory. Received: {str(path)!r}, whose "
            f"{CONFIG_FILE} ran out of memory while being read. Free memory, or lower "
            "ZOO_MAX_CONFIG_BYTES so that such files are refused up front."
        ) from None


def _max_config_bytes() -> int:
    value = os.environ.get("ZOO_MAX_CONFIG_BYTES", "").strip()
    try:
        return int(value) if value else MAX_CONFIG_BYTES
    except ValueError:
        raise ZooError(
            "ZOO_MAX_CONFIG_BYTES is a number of bytes. Received: "
            f"ZOO_MAX_CONFIG_BYTES={value!r}. Set it to an integer, e.g. 67108864."
        ) from None


def _check_sizes(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a decompression bomb from the sizes the archive declares, before inflating.

    Reading a member stops at its declared size (a member that inflates further fails
    its checksum), so these checks bound the memory and time of everything after them.
    """
    limit = _max_config_bytes()
    for info in archive.infolist():
        if info.filename in (CONFIG_FILE, METADATA_FILE) and info.file_size > limit:
            raise ZooError(
                f"A saved model's {info.filename} holds at most {limit:,} bytes. Received: "
                f"{str(path)!r}, whose {info.filename} declares {info.file_size:,} bytes "
                f"({info.compress_size:,} stored). Set ZOO_MAX_CONFIG_BYTES higher if you "
                "trust the file."
            )
        stored = max(info.compress_size, 1)
        if info.file_size > EXPANSION_FLOOR_BYTES and info.file_size > MAX_EXPANSION * stored:
            raise ZooError(
                f"A saved model's members inflate to at most {MAX_EXPANSION}x their stored "
                f"size (Keras stores them uncompressed). Received: {str(path)!r}, whose "
                f"member {info.filename!r} declares {info.file_size:,} bytes from "
                f"{info.compress_size:,}: a decompression bomb. Do not load it."
            )


def _plugin_packages(specs: list[Any]) -> set[str]:
    return {spec.target.partition(":")[0].split(".")[0] for spec in specs}


def _missing(plugin: str, names: Mapping[str, str]) -> dict[str, str]:
    if "keras" not in sys.modules:  # nothing can be registered yet: skip importing Keras
        return dict(names)
    import keras

    custom = keras.saving.get_custom_objects()
    return {n: m for n, m in names.items() if f"zoo.{plugin}>{n}" not in custom}


def _version_warning(saved: SavedFile, plugin: str, installed: Any) -> None:
    recorded = saved.plugins.get(plugin)
    if not isinstance(recorded, dict):
        return
    version = recorded.get("version") or ""
    distribution = recorded.get("distribution") or installed.distribution
    if version and installed.version and version != installed.version:
        warnings.warn(
            f"{saved.path.name} was saved with the plugin {plugin!r} from {distribution} "
            f"{version}; {installed.distribution or distribution} {installed.version} is "
            "installed. Check its outputs, or install the version it was saved with.",
            ZooWarning,
            stacklevel=3,
        )


def _install_hint(saved: SavedFile, plugin: str) -> str:
    recorded = saved.plugins.get(plugin)
    distribution = recorded.get("distribution") if isinstance(recorded, dict) else ""
    version = recorded.get("version") if isinstance(recorded, dict) else ""
    if distribution:
        pin = f"=={version}" if version else ""
        return (
            f"Install the distribution {distribution!r} "
            f"(pip install '{distribution}{pin}'; it was saved with {distribution} {version})."
        ).replace(" )", ")")
    return f"Install the package that provides the zoo plugin {plugin!r}."


def _fix_hint(saved: SavedFile, plugin: str, installed: Any) -> str:
    """What to do about a plugin the file needs: install, enable or repair it."""
    if installed is None:
        return _install_hint(saved, plugin)
    if installed.status == "disabled":
        return (
            f"Enable the plugin {plugin!r} (the reason above says what turns it off: "
            "ZOO_PLUGINS, ZOO_DISABLE_PLUGINS, ZOO_DISABLE_PLUGIN_AUTOLOAD or [plugins] in "
            "a registry file), then load the file again."
        )
    return (
        f"Repair the plugin {plugin!r} (`python -m zoo plugins` shows why it is "
        f"{installed.status}), or reinstall it. {_install_hint(saved, plugin)}"
    )


def import_plugins(saved: SavedFile) -> list[str]:
    """Import, through the installed plugins' specs, every zoo class ``saved`` names.

    For each plugin named in the file, in order: the specs whose names match, then the
    module recorded for a class if it belongs to the plugin's own package, then every
    spec target of that plugin. The owner is imported even when the name is already
    registered (by whoever registered it first). Returns the plugins that were needed.

    Raises NotFoundError naming the component, the plugin and the distribution to
    install when a plugin is missing, disabled or failed, or no longer has the class;
    ZooError when a name resolves to a class that is not its plugin's own (another
    module took the name: `check_owners`).
    """
    from zoo._registry import default_registry

    registry = default_registry()
    plugins = {info.name: info for info in registry.plugins()}
    for plugin, names in sorted(saved.classes.items()):
        installed = plugins.get(plugin)
        if installed is not None and installed.status == "loaded":
            _version_warning(saved, plugin, installed)
            _import_owners(saved, plugin, names, installed, registry)
        elif _missing(plugin, names):
            raise _plugin_not_loaded(saved, plugin, names, installed)
        # else: no installed owner to compare with: the classes are defined here
    return sorted(saved.classes)


def _plugin_not_loaded(
    saved: SavedFile, plugin: str, names: Mapping[str, str], installed: PluginInfo | None
) -> NotFoundError:
    """The error for a file whose classes come from a plugin that is absent or not loaded."""
    components = ", ".join(f"{plugin}/{name}" for name in sorted(_missing(plugin, names)))
    state = (
        "not installed"
        if installed is None
        else f"{installed.status}" + (f" ({installed.reason})" if installed.reason else "")
    )
    return NotFoundError(
        f"Loading a model needs every plugin whose classes it uses. Received: "
        f"{str(saved.path)!r} uses {components} from the zoo plugin {plugin!r}, "
        f"which is {state}. {_fix_hint(saved, plugin, installed)}"
    )


def _import_owners(
    saved: SavedFile,
    plugin: str,
    names: Mapping[str, str],
    installed: PluginInfo,
    registry: Registry,
) -> None:
    """Import a loaded plugin's classes that ``saved`` names, and check who owns each name."""
    from zoo._specs.component import ComponentSpec

    specs = [e for e in registry.entries(plugin=plugin) if isinstance(e, ComponentSpec)]
    owners: dict[str, Any] = {}
    for spec in specs:
        if spec.name in names:
            owners[spec.name] = registry.get(spec.id)
    packages = _plugin_packages(specs)
    unowned = {n: m for n, m in names.items() if n not in owners}
    for module in sorted({m for m in unowned.values() if m.split(".")[0] in packages}):
        try:
            importlib.import_module(module)
        except Exception as error:
            raise ZooError(
                f"The module {module!r} of the plugin {plugin!r} could not be imported. "
                f"Received: {type(error).__name__}: {error}. Reinstall "
                f"{installed.distribution or 'the plugin'}."
            ) from error
    missing = _missing(plugin, names)
    if missing:
        for spec in specs:
            registry.get(spec.id)
        missing = _missing(plugin, missing)
    if missing:
        components = ", ".join(f"{plugin}/{name}" for name in sorted(missing))
        raise NotFoundError(
            f"Loading a model needs every class it uses. Received: {str(saved.path)!r} "
            f"uses {components}, which the installed plugin {plugin!r} "
            f"({installed.distribution} {installed.version}) does not define. "
            f"{_install_hint(saved, plugin)}"
        )
    check_owners(saved, plugin, names, owners, packages)


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def check_owners(
    saved: SavedFile,
    plugin: str,
    names: Mapping[str, str],
    owners: Mapping[str, Any],
    packages: set[str],
) -> None:
    """Refuse a ``zoo.<plugin>>Name`` that resolves to a class other than its plugin's own.

    A class of another module can take a name with ``register_keras_serializable``
    (Keras lets the last registration win, silently). The owner is the object of the
    plugin's spec of that name when that object is registered under it, else any
    object defined in the plugin's own packages.
    """
    import keras

    custom = keras.saving.get_custom_objects()
    for name in sorted(names):
        key = f"zoo.{plugin}>{name}"
        active = custom.get(key)
        owner = owners.get(name)
        if owner is not None and _registered_name(keras, owner) == key:
            if active is owner or _where(active) == _where(owner):  # a reload is the same class
                continue
            expected = f"{_where(owner)} (the plugin's spec {plugin}/{name})"
        else:
            module = getattr(active, "__module__", "") or ""
            if module.split(".")[0] in packages:
                continue
            expected = f"a class of the plugin's own package(s) {', '.join(sorted(packages))}"
        raise ZooError(
            f"Every zoo.<plugin>>Name in a saved model resolves to that plugin's own class. "
            f"Received: {key!r} in {str(saved.path)!r} resolves to {_where(active)}, but its "
            f"owner is {expected}; another module took the name. Remove the "
            f"register_keras_serializable(package='zoo.{plugin}') of {_where(active)} (or "
            "uninstall the plugin that does it), then load again."
        )


def _registered_name(keras: Any, obj: Any) -> str | None:
    try:
        return keras.saving.get_registered_name(obj)
    except Exception:  # not a class or function Keras can name
        return None


def _check_no_clash(saved: SavedFile) -> None:
    from zoo._registry.serializable import name_clashes

    needed = {f"zoo.{plugin}>{name}" for plugin, names in saved.classes.items() for name in names}
    clashes = [clash for clash in name_clashes() if clash.name in needed]
    if clashes:
        raise ZooError(
            "A Keras name belongs to one class. Received: "
            + "; ".join(map(str, clashes))
            + f". Loading {str(saved.path)!r} could build the wrong class: remove the "
            "registration that took the name, or rename one of the classes."
        )


def load(
    path: str | os.PathLike[str],
    *,
    compile: bool = True,
    custom_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Load a ``.keras`` file, importing exactly the plugins whose classes it uses.

    Works in a fresh process: nothing needs importing by hand. The file is checked
    first (a truncated, corrupt or non-Keras file raises ZooError); the classes it
    names as ``zoo.<plugin>>Name`` are imported through the installed plugins' specs;
    then ``keras.saving.load_model(path, safe_mode=True)`` builds the model. A plain
    Keras file (saved with ``model.save``) loads too; only a file written by `zoo.save`
    records the plugin versions, and a version that differs from the installed one
    raises a `zoo.ZooWarning` naming both.

    Args:
        path: a ``.keras`` file.
        compile: restore the training configuration (optimizer, loss, metrics) too.
        custom_objects: extra non-zoo classes or functions, as for ``load_model``.

    Returns:
        The ``keras.Model``.

    Raises:
        zoo.NotFoundError: a plugin the model uses is not installed (the message
            names the component, the plugin and the distribution to install).
        zoo.ZooError: the file is not an intact Keras archive, or Keras cannot load it.
    """
    saved = read_saved_file(path)
    entry = saved.zoo or {}
    saved_format = entry.get("format")
    if isinstance(saved_format, int) and saved_format > METADATA_FORMAT:
        warnings.warn(
            f"{saved.path.name} was saved by keras-zoo {entry.get('zoo_version', '?')} "
            f"(metadata format {saved_format}); this keras-zoo reads format "
            f"{METADATA_FORMAT}. Upgrade keras-zoo if loading fails.",
            ZooWarning,
            stacklevel=2,
        )
    import_plugins(saved)
    _check_no_clash(saved)
    import keras

    try:
        return keras.saving.load_model(
            saved.path, custom_objects=dict(custom_objects or {}), compile=compile, safe_mode=True
        )
    except ZooError:
        raise
    except Exception as error:
        hint = "The file may be corrupt, or saved by an incompatible Keras or plugin version."
        if "Could not locate" in str(error):
            hint = (
                "The class is not from a zoo plugin: import the module that defines it "
                "first, or pass it in custom_objects."
            )
        raise ZooError(
            f"Keras could not load {str(saved.path)!r}. Received: {type(error).__name__}: "
            f"{str(error)[:2000]}. {hint}"
        ) from error
