"""keras-zoo first-party plugin: hub (work in progress)."""
