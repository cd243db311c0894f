"""From a blocked verdict to a fix: which pinned Python requirements to upgrade to which version
(``plan``, from the candidate versions of ``versions``, written by ``rewrite``), and whether the
vulnerable package is used at all (``reachability``, from the import names of ``import_names``
and the environments of ``environments``). ``model`` holds the plan as the reports carry it.

Nothing here imports at module load beyond its own needs: ``secgate.model`` imports ``model``."""
