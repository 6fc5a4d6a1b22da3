"""The training workflow: training defaults, ``zoo.compile``, ``zoo.fit`` and the run folder.

One module per concern (DESIGN.md, "Training, tuning and scaling"):

    fitting      `zoo.fit`: orchestrates the steps below, nothing else
    options      the options of a call, checked at once; what a resumed run remembers
    arguments    what to build: the recipe, the builder arguments the data implies
    building     the data's splits; the model built, checked and compiled under the strategy
    epochs       the per-epoch seeded pipeline
    callbacks    the Keras callbacks of a run
    evaluation   the best weights restored, the final evaluation, the best epoch
    pictures     learning curves and the confusion matrix
    run_folder   the run folder's layout, run.json, create/resume/read, atomic JSON
    defaults, compiling, checks, performance, strategy, replicas, keras_fix, launcher

Nothing here is imported by ``import zoo`` or by listing; the data-only parts (`defaults`)
import neither TensorFlow nor Keras.
"""
