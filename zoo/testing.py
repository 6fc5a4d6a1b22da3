"""The conformance kit: one call puts a registered component through the zoo's checks.

    import zoo.testing
    report = zoo.testing.check("vision/PixelShuffle")
    print(report)                      # one line per check: passed / failed / not applicable
    zoo.testing.assert_conforms("vision/PixelShuffle")   # raises AssertionError on a failure

The checks, each reported separately (a failure does not stop the others):

- ``config``: ``get_config`` holds every constructor argument, ``from_config`` rebuilds
  an equal config, and with the same weights the clone computes the same outputs;
- ``keras_file``: `zoo.save` then `zoo.load` (``safe_mode=True``) keep the outputs;
- ``gradients``: every trainable weight (for a loss: the prediction) gets a finite
  gradient, non-zero on the example's batch or on one of up to three fresh batches
  (``Example.allow_zero_gradient`` names weights that may stay at zero), computed by
  the backend itself (``tf.GradientTape``, ``jax.grad``, ``torch.autograd``);
- ``shapes``: the symbolic output shape (from ``keras.Input``) agrees with the eager one;
- ``registered_name``: every zoo class involved is saved as ``zoo.<plugin>>Name``, and
  no other class took that name;
- ``batch_independence``: inference on the whole batch equals inference one sample
  at a time (``rtol=1e-4``, ``atol=1e-5``);
- ``mixed_precision``: under the ``mixed_float16`` policy it builds, keeps float32
  weights, runs, gives finite outputs within 2% (of ``max(1, |output|)``) of float32
  with the same weights (a loss or metric: on float16 predictions);
- ``mixed_bfloat16``: the same under ``mixed_bfloat16``, within 6% (bfloat16 keeps 8
  bits of mantissa where float16 keeps 11);
- ``xla``: compiled with ``jit_compile=True``, one fit step gives a finite loss and
  changes the weights (nothing to train: the compiled predict matches eager; a loss:
  the compiled loss matches; a metric: the compiled evaluation matches). String inputs
  and layers declaring ``supports_jit = False`` are not applicable. A metric is
  compiled beside the example's ``loss``, or one its targets fit (``mse``, or sparse
  categorical cross-entropy for integer labels against per-class scores);
- ``lazy``: in a fresh interpreter, registering and listing the component's plugin
  imports neither TensorFlow, Keras, NumPy nor any of its implementation modules;
- ``export``: for a spec tagged ``export:saved_model`` or ``export:tflite`` (one tag
  per row of the export table, ``zoo/_export/formats.py``), the exported artifact
  (`zoo.export`) run in its own runtime (TensorFlow's SavedModel loader, the TFLite
  interpreter) matches the Keras outputs within the row's tolerance
  (``zoo._export.TOLERANCES``).

A recipe reuses its builder (or, for a graph recipe, registered layers) at other
sizes: ``mixed_precision``, ``mixed_bfloat16`` and ``xla`` do not apply to it, the
builder's own check covers them (compiling a deep recipe with XLA takes minutes on a CPU).

Every check runs on the backend Keras runs on (``KERAS_BACKEND``: tensorflow, jax,
torch). A component whose spec declares ``backends`` without the current one (a
recipe: its builder's), and a ``dataset`` or ``preset`` (data and weights, not Keras
objects), are reported not applicable for every check but ``lazy``, with the reason.

Inputs come from the spec's `zoo.Example` (or one passed in), and every run is seeded.
Third parties run the same checks in their CI with one line in a test module::

    test_conformance = zoo.testing.conformance_test(plugin="mine")

or from a shell: ``python -m zoo check --plugin mine``.
"""

from __future__ import annotations

from zoo._base.check_names import CHECKS
from zoo._kit.checks import EXPORT_TAGS
from zoo._kit.report import CheckResult, Report
from zoo._kit.runner import assert_conforms, check, component_ids, conformance_test
from zoo._registry.serializable import NameClash, name_clashes

__all__ = [
    "CHECKS",
    "EXPORT_TAGS",
    "CheckResult",
    "NameClash",
    "Report",
    "assert_conforms",
    "check",
    "component_ids",
    "conformance_test",
    "name_clashes",
]
