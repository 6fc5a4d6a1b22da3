"""Tuning: keras-tuner searches over a recipe's search space.

    hypermodel.py   the search space as keras-tuner hyperparameters, `zoo.hypermodel`
    search.py       `zoo.tune`: the checks, the search folder, the files after the last trial
    tuner.py        the keras-tuner tuner over the hypermodel, recording each trial
    results.py      trials.csv, trials.png and best.toml from the tuner's own state
    distributed.py  a chief oracle and N workers on keras-tuner's gRPC protocol

keras-tuner does the searching (its oracles, its state, its protocol); this package
only turns a recipe's declared space, training defaults and data into a HyperModel,
and keeps the results as files a person and a later command can read.
"""
