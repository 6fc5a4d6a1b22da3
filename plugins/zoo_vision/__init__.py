"""keras-zoo first-party plugin: vision (work in progress)."""
