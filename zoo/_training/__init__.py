"""The training workflow: training defaults, ``zoo.compile``, ``zoo.fit`` and the run folder.

One module per concern (DESIGN.md, "Training, tuning and scaling"). Nothing here is
imported by ``import zoo`` or by listing; the data-only parts (`defaults`) import
neither TensorFlow nor Keras.
"""
