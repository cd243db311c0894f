"""What the tests share: where things are (``paths``), running the command line and real tools
(``commands``), checking SARIF (``sarif_validation``), the example app's made-up credentials
(``example_app``), and one module per kind of test server, sample or fake.

Tests import these as ``tests.support.<module>``: the repository's root is on ``sys.path``
through pytest's ``pythonpath`` setting (``pyproject.toml``), and test modules are imported
with ``--import-mode=importlib``, which adds no directory of its own to ``sys.path``.
"""
