"""What hostile or careless input costs a user: seconds, peak memory, exit code, first line.

Issue 13's and issue 28's cases (hostile data files), each run as a user would meet
it (``python -m zoo ...`` or a short ``python -c``, in a fresh process, in a temporary
folder with the plugins and files it needs), with the child's wall-clock seconds, its
peak resident memory (``wait4``) and its
exit code. The issue's "before" figures are kept beside each case for comparison; the
tests (``tests/test_hardening_*.py``) hold the behaviour, this script the cost.

    python benchmarks/hostile_inputs.py [--only NAME ...] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
from _common import report


class Case(NamedTuple):
    before: str  # the figure before the fix
    command: list[str]
    env: dict[str, str]
    pick: str = ""  # the stdout row to show when there is no stderr


HOOK = "import zoo\n\n@zoo.hookimpl\ndef zoo_register(register):\n{body}\n"
GOOD = '    register(zoo.ComponentSpec("Star", kind="layer", target="good_mod:Star"))'

SAVE_VISION = """
import sys, keras, zoo
inputs = keras.Input((4, 4, 4))
outputs = zoo.get("vision/PixelShuffle")(upscale_factor=2)(inputs)
zoo.save(keras.Model(inputs, outputs), sys.argv[1])
"""
IMPOSTOR = """
import keras
@keras.saving.register_keras_serializable(package="zoo.vision", name="PixelShuffle")
class PixelShuffle(keras.layers.Layer):
    def __init__(self, upscale_factor=2, data_format="channels_last", order="DCR", **kw):
        super().__init__(**kw)
    def call(self, x):
        return x
import zoo
@zoo.hookimpl
def zoo_register(register):
    pass
"""
LOAD = "import sys, zoo\nzoo.load(sys.argv[1])\n"


def _dist(site: Path, plugin: str, module: str, source: str, dist: str = "") -> None:
    """An installed distribution whose ``zoo.plugins`` entry point ``plugin`` is ``module``."""
    dist = dist or f"{plugin}_dist"
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[zoo.plugins]\n{plugin} = {module}\n")
    (site / f"{module}.py").write_text(source)


def _bomb(path: Path, size: int) -> Path:
    """A .keras-named zip of about size/1000 bytes whose config.json inflates to ``size``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3"}))
        with archive.open("config.json", "w", force_zip64=True) as handle:
            chunk = b" " * 2**20
            for _ in range(size // 2**20):
                handle.write(chunk)
    return path


LOAD_DATA = (
    "import sys, zoo\nzoo.load_data(sys.argv[1], **dict(a.split('=') for a in sys.argv[2:]))\n"
)


def _png_bomb(path: Path, side: int) -> Path:
    """A valid black PNG of ``side`` x ``side`` RGB pixels, about side**2/1000 bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    packer, row, pixels = zlib.compressobj(9), b"\0" * (3 * side + 1), []
    for _ in range(side):
        pixels.append(packer.compress(row))
    pixels.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(pixels))
        + chunk(b"IEND", b"")
    )
    return path


def _data_files(files: Path) -> None:
    """The hostile data files of issue 28: CSV, .npz, an image folder, TFRecords."""
    rows = [f"{'nan' if i == 7 else i},{i % 2}" for i in range(200)]
    (files / "nan.csv").write_text("a,y\n" + "\n".join(rows) + "\n")
    (files / "field.csv").write_text("a,y\n1,0\n" + "1" * 10**6 + ",1\n")
    header = io.BytesIO()
    spec = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    np.lib.format.write_array_header_1_0(header, spec)
    with zipfile.ZipFile(files / "inflate.npz", "w") as archive:
        archive.writestr("x.npy", header.getvalue() + b"\0" * 64)
        archive.writestr("y.npy", header.getvalue())
    np.savez(files / "objects.npz", x=np.array([{}, None], dtype=object), y=np.arange(2))
    for name in ("a", "b"):
        png = files / "images" / name / "0.png"
        png.parent.mkdir(parents=True)
        png.write_bytes(_png_bomb(files / "small.png", 4).read_bytes())
    _png_bomb(files / "images" / "a" / "bomb.png", 20_000)
    (files / "huge.tfrecord").write_bytes((2**62).to_bytes(8, "little") + b"\0" * 40)


def _case(command: list[str], env: dict[str, str], cwd: Path, pick: str) -> dict:
    """Run ``command`` from a child that reports that command's peak memory (wait4).

    The line shown is the last line of stderr when there is one (an error), else the
    first line of stdout holding ``pick``.
    """
    probe = (
        "import os, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "out, err = p.communicate()\n"
        "import resource\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "err = err.decode(errors='replace').strip().splitlines()\n"
        "out = [l for l in out.decode(errors='replace').splitlines() if sys.argv[1] in l]\n"
        "line = err[-1] if err else (out[0] if out else '')\n"
        "print(json.dumps({'seconds': time.perf_counter() - start, 'exit': p.returncode,\n"
        "  'peak_mib': rss / 1024, 'line': line}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, pick, *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def cases(root: Path) -> dict[str, Case]:
    """The cases by name, with the files and plugins they need written under ``root``."""
    py, zoo = sys.executable, [sys.executable, "-m", "zoo"]
    site = root / "site"
    site.mkdir()
    _dist(site, "good", "good_mod", HOOK.format(body=GOOD))
    bad_recipe = '    register(zoo.Recipe("r", builder="bad/x"))'
    _dist(site, "bad", "bad_mod", HOOK.format(body=bad_recipe))
    _dist(site, "zoo", "zoo_named_mod", HOOK.format(body=GOOD.replace("Star", "Moon")), "zooish")
    _dist(site, "rude", "rude_mod", "import sys\nsys.exit('usage: plugin [-h]')\n")
    _dist(site, "sleepy", "sleepy_mod", "import time\ntime.sleep(2)\n" + HOOK.format(body=GOOD))
    _dist(site, "evil", "evil_mod", IMPOSTOR)
    files = root / "files"
    files.mkdir()
    latin1 = b'[recipes.me.r]\nbuilder = "vision/resnet_cifar"\n# \xe9\n'
    (files / "latin1.toml").write_bytes(latin1)
    (files / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (files / "repeat.toml").write_text(
        "[recipes.lab.chain.graph]\ninputs.x = { shape = [2] }\n"
        "nodes = [{ name = 'd', layer = 'keras/Dense', args = { units = 2 }, repeat = 10000000 }]\n"
    )
    (files / "leak.toml").write_text(
        "[recipes.lab.leak.graph]\ninputs.text = { shape = [1], dtype = 'string' }\n"
        "nodes = [{ name = 'ids', layer = 'keras/StringLookup', args = { vocabulary = "
        "'/etc/passwd' } }]\n"
    )
    (files / "ansi.toml").write_text(
        '[recipes.me.shiny]\nbuilder = "vision/resnet_cifar"\n'
        'summary = "\\u001b[31mred\\u001b[0m and \\u202eevil"\n'
    )
    _bomb(files / "bomb.keras", 2 * 2**30)
    _data_files(files)
    only = lambda *names: {"ZOO_PLUGINS": ",".join(names)}  # noqa: E731
    first_party = only("vision", "forecast", "text", "hub", "distill")  # no hostile plugin
    return {
        "bad plugin recipe: zoo list": Case(
            "exit 1", [*zoo, "list", "--plugin", "bad", "--kind", "recipe"], only("good", "bad")
        ),
        "bad plugin recipe: zoo plugins": Case(
            "exit 1", [*zoo, "plugins"], only("good", "bad"), "bad"
        ),
        "plugin named zoo: zoo list": Case("exit 1", [*zoo, "list"], only("good", "zoo"), "good/"),
        "plugin named zoo: zoo plugins": Case(
            "exit 1", [*zoo, "plugins"], only("good", "zoo"), "zooish"
        ),
        "SystemExit at plugin import: zoo list": Case(
            "foreign usage message, exit 1",
            [*zoo, "list"],
            only("good", "rude"),
            "good/",
        ),
        "SystemExit at plugin import: zoo plugins": Case(
            "foreign usage message, exit 1",
            [*zoo, "plugins"],
            only("good", "rude"),
            "rude",
        ),
        "impostor of vision/PixelShuffle: zoo.load": Case(
            "loads the impostor's class silently",
            [py, "-c", LOAD, str(files / "vision.keras")],
            only("evil", "vision"),
        ),
        "2 MB .keras inflating to 2 GB: zoo.load": Case(
            "42 s, 4 GB, raw MemoryError under a limit",
            [py, "-c", LOAD, str(files / "bomb.keras")],
            first_party,
        ),
        "recipe with repeat = 10**7: zoo list": Case(
            "79 s, 2 GB",
            [*zoo, "list", "--registry", str(files / "repeat.toml")],
            first_party,
        ),
        "resnet_small num_classes=10**9: zoo build": Case(
            "raw ResourceExhaustedError after gigabytes",
            [*zoo, "build", "resnet_small", "--set", "num_classes=1000000000"],
            first_party,
        ),
        "resnet_small width=10**6: zoo build": Case(
            "raw ResourceExhaustedError after gigabytes",
            [*zoo, "build", "resnet_small", "--set", "width=1000000"],
            first_party,
        ),
        "resnet_small depth=6*10**18+2: zoo build": Case(
            "hangs",
            [*zoo, "build", "resnet_small", "--set", "depth=6000000000000000002"],
            first_party,
        ),
        "registry file not UTF-8: zoo list": Case(
            "raw UnicodeDecodeError",
            [*zoo, "list", "--registry", str(files / "latin1.toml")],
            first_party,
        ),
        "registry file nested 5000 deep: zoo list": Case(
            "raw RecursionError",
            [*zoo, "list", "--registry", str(files / "deep.toml")],
            first_party,
        ),
        "graph recipe reading /etc/passwd: zoo build": Case(
            "a model holding the file's lines",
            [*zoo, "build", "lab/leak", "--registry", str(files / "leak.toml")],
            first_party,
        ),
        "ANSI and bidi in a summary: zoo list": Case(
            "printed raw to the terminal",
            [*zoo, "list", "shiny", "--registry", str(files / "ansi.toml")],
            first_party,
            "shiny",
        ),
        "CSV with a NaN feature: zoo.load_data": Case(
            "loads; zoo.fit trains NaN weights, exit 0",
            [py, "-c", LOAD_DATA, str(files / "nan.csv"), "target=y"],
            first_party,
        ),
        "CSV with a 1 MB field: zoo.load_data": Case(
            "raw _csv.Error",
            [py, "-c", LOAD_DATA, str(files / "field.csv"), "target=y"],
            first_party,
        ),
        ".npz member declaring 8 TB: zoo.load_data": Case(
            "raw MemoryError (7.28 TiB)",
            [py, "-c", LOAD_DATA, str(files / "inflate.npz")],
            first_party,
        ),
        ".npz of Python objects: zoo.load_data": Case(
            "'could not be read (Object arrays cannot be loaded...)'",
            [py, "-c", LOAD_DATA, str(files / "objects.npz")],
            first_party,
        ),
        "20000x20000 PNG in an image folder: zoo.load_data": Case(
            "decoded in full: 20 s, 1.9 GB peak, exit 0",
            [py, "-c", LOAD_DATA, str(files / "images")],
            first_party,
        ),
        "TFRecord length field of 2**62: zoo.load_data": Case(
            "'which is none (... corrupte)'",
            [py, "-c", LOAD_DATA, str(files / "huge.tfrecord")],
            first_party,
        ),
        "plugin sleeping 2 s at import: zoo plugins": Case(
            "nothing said",
            [*zoo, "plugins"],
            only("good", "sleepy"),
            "sleepy",
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only the cases whose name contains this")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        table = cases(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
        search = [str(root / "site"), *filter(None, [os.environ.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(search)
        saved = subprocess.run(
            [sys.executable, "-c", SAVE_VISION, str(root / "files" / "vision.keras")],
            env={**env, "ZOO_PLUGINS": "vision", "TF_CPP_MIN_LOG_LEVEL": "3"},
            capture_output=True,
            text=True,
        )
        if saved.returncode != 0:
            print(saved.stderr, file=sys.stderr)
            return 1
        rows, results = [], {}
        for name, case in table.items():
            if args.only and not any(o in name for o in args.only):
                continue
            result = _case(case.command, {**env, **case.env}, root, case.pick)
            results[name] = {**result, "before": case.before}
            line = result["line"]
            rows.append(
                [
                    name,
                    case.before,
                    round(result["seconds"], 2),
                    round(result["peak_mib"]),
                    result["exit"],
                    line[:90] + ("..." if len(line) > 90 else ""),
                ]
            )
            print(f"{name}: {result['seconds']:.2f} s, exit {result['exit']}", flush=True)
        report(
            "hostile_inputs",
            ["case", "before the fix", "seconds", "peak MiB", "exit", "what the user sees"],
            rows,
            {"cases": len(rows)},
        )
        if args.json:
            print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
