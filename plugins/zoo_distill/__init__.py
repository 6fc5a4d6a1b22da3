"""keras-zoo first-party plugin: distill (work in progress)."""
