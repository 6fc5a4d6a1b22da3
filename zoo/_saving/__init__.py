"""Saving and loading ``.keras`` files (beside the factory, below the workflow).

save.py   zoo.save: atomic saves
load.py   zoo.load: the plugins a file names, then Keras' safe-mode loading
"""
