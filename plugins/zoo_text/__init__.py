"""keras-zoo first-party plugin: text (work in progress)."""
