"""keras-zoo first-party plugin: forecast (work in progress)."""
