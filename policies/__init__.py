"""secgate's shipped policies (YAML), read with importlib.resources."""
