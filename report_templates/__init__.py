"""secgate's Jinja2 report templates, read with importlib.resources."""
