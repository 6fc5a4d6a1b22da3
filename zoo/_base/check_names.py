"""The names of the conformance kit's checks, in the order they run and are reported.

Kept apart from `zoo.testing` (which imports Keras) so the command line can offer them
as choices without importing anything heavy.
"""

CHECKS = (
    "config",
    "keras_file",
    "gradients",
    "shapes",
    "registered_name",
    "batch_independence",
    "mixed_precision",
    "mixed_bfloat16",
    "xla",
    "lazy",
    "export",
)
