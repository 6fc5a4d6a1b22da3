"""Property tests: whatever bytes or rows a data file holds, loading it either gives finite
arrays of the declared shapes or raises ZooError, never another exception."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zoo

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(name: str, content: bytes, **arguments):
    """Load ``content`` written as ``name``; the data, or None after a ZooError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            data = zoo.load_data(str(path), **arguments)
        except zoo.ZooError as error:
            assert str(error) and "\n" not in str(error)
            return None
        assert sorted(p.name for p in Path(folder).iterdir()) == [name]
    _check_finite(data)
    return data


def _check_finite(data) -> None:
    for split, size in data.info.sizes.items():
        if not size:
            continue
        x, y = data.arrays(split)
        assert len(x) == len(y) == size
        assert tuple(x.shape[1:]) == tuple(data.info.input_shape)
        for values in (x, y):
            if np.asarray(values).dtype.kind in "fc":
                assert np.isfinite(values).all()


CELLS = st.one_of(
    st.integers(-3, 3).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "nan", "inf", "-Infinity", "1e999", '"1"', "x", "1,2", "\x00"]),
    st.text(max_size=5),
)


@SETTINGS
@given(
    header=st.lists(st.sampled_from(["a", "b", "y", " y", "", "y,z"]), min_size=1, max_size=4),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=30),
)
def test_csv_rows_load_or_raise_zoo_error(header, rows):
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    _load("data.csv", text.encode("utf-8", "surrogatepass"), target="y")


@SETTINGS
@given(content=st.binary(max_size=400))
def test_csv_bytes_load_or_raise_zoo_error(content):
    _load("data.csv", b"a,y\n" + content, target="y")


def _savez(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


ARRAYS = hnp.arrays(
    dtype=st.one_of(hnp.integer_dtypes(), hnp.floating_dtypes(), hnp.boolean_dtypes()),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=12),
)


@SETTINGS
@given(
    x=ARRAYS,
    y=ARRAYS,
    cut=st.none() | st.integers(0, 2000),
    flip=st.none() | st.tuples(st.integers(0, 2000), st.integers(1, 255)),
)
def test_npz_arrays_and_corruptions_load_or_raise_zoo_error(x, y, cut, flip):
    content = bytearray(_savez({"x": x, "y": y}))
    if flip is not None and flip[0] < len(content):
        content[flip[0]] ^= flip[1]
    if cut is not None:
        content = content[:cut]
    _load("data.npz", bytes(content))


@SETTINGS
@given(content=st.binary(max_size=600))
def test_npz_bytes_load_or_raise_zoo_error(content):
    _load("data.npz", content)


@SETTINGS
@given(
    shape=st.lists(st.integers(0, 2**40), min_size=1, max_size=4).map(tuple),
    descr=st.sampled_from(["<f8", "<i8", "|O", "<U10", "|b1", "<c16", "|V0"]),
    tail=st.binary(max_size=64),
)
def test_npz_declared_headers_load_or_raise_zoo_error(shape, descr, tail):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.npy", header.getvalue() + tail)
        archive.writestr("y.npy", header.getvalue() + tail)
    _load("data.npz", buffer.getvalue())


@pytest.mark.parametrize("name", ["data.csv", "data.npz"])
def test_an_empty_file_is_a_zoo_error(name):
    assert _load(name, b"", **({"target": "y"} if name.endswith(".csv") else {})) is None


def _real_image(fmt: str) -> bytes:
    import PIL.Image

    buffer = io.BytesIO()
    PIL.Image.new("RGB", (7, 5), (200, 10, 90)).save(buffer, format=fmt)
    return buffer.getvalue()


PREFIXES = st.sampled_from(
    [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"GIF89a", b"BM", b"\xff\xd8\xff\xc0\x00\x11\x08"]
)


@SETTINGS
@given(
    fmt=st.sampled_from(["PNG", "JPEG", "GIF", "BMP"]),
    prefix=PREFIXES,
    tail=st.binary(max_size=200),
    cut=st.none() | st.integers(0, 400),
    flip=st.none() | st.tuples(st.integers(0, 400), st.integers(1, 255)),
)
def test_image_bytes_load_or_raise_zoo_error(fmt, prefix, tail, cut, flip):
    content = bytearray(prefix + tail if prefix or tail else _real_image(fmt))
    if not prefix and flip is not None and flip[0] < len(content):
        content[flip[0]] ^= flip[1]
    if cut is not None:
        content = content[:cut]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "images"
        for name in ("a", "b"):
            (root / name).mkdir(parents=True)
            (root / name / "0.png").write_bytes(_real_image("PNG"))
        (root / "b" / f"1.{fmt.lower()}").write_bytes(bytes(content))
        try:
            data = zoo.load_data(str(root), height=3, width=3, validation=0.0, test=0.0)
        except zoo.ZooError as error:
            assert "\n" not in str(error) and f"1.{fmt.lower()}" in str(error)
            return
        x, labels = data.arrays("train")
        assert x.shape == (3, 3, 3, 3) and np.isfinite(x).all() and len(labels) == 3
