"""The YAML policy: its model, loading and validation, and the pure evaluation into a verdict."""
