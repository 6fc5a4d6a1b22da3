"""Data sources: `DataInfo`, `DataSplits`, tasks, `zoo.load_data` and the core file sources.

Plugin authors reach this through the public `zoo.data`; the user through `zoo.load_data`,
`zoo.DataSplits` and `zoo.DataInfo`. Nothing here imports TensorFlow at import time; the
pipelines are built on first use.
"""
