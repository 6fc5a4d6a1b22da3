"""The conformance kit's parts; `zoo.testing` is its public face."""
