"""Presets: trained models as folders, weights loaded by layer name, declared downloads.

- `folder`: ``zoo.save_preset`` writes a preset folder (``model.keras``, ``preset.json``,
  a model card ``README.md``) from a model or a run folder; `read_preset` checks one.
- `weights`: ``zoo.build(name, weights=SOURCE)`` loads weights by layer name where the
  shapes match; ``zoo.from_preset(SOURCE)`` returns the saved model itself.
- `fetch`: a plugin's declared presets (specs of kind ``preset``) are downloaded once
  into ``ZOO_CACHE``, checked against their sha256, and reused.

Nothing here imports Keras at module level.
"""

from __future__ import annotations

from zoo._presets.folder import read_preset, save_preset
from zoo._presets.weights import from_preset, load_weights_by_name

__all__ = ["from_preset", "load_weights_by_name", "read_preset", "save_preset"]
