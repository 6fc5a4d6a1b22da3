"""Data sources: `DataInfo`, `DataSplits`, `zoo.load_data` and the core file sources.

Nothing here imports TensorFlow at import time; the pipelines are built on first use.
"""
