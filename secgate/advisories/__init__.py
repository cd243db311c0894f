"""Offline advisory data: OSV records, CISA's Known Exploited Vulnerabilities catalog, FIRST's
EPSS scores and VEX statements, kept in a local store that scans consult without a network.

- ``osv``, ``kev``, ``epss``: reading each source's documented format into typed records;
- ``sources``: finding the files of an import (a directory, an OSV ``all.zip``, a gzip file);
- ``store``: the SQLite store under ``$SECGATE_DATA_DIR`` and its query API;
- ``ranges``: whether a version is affected, by OSV's range rules over PEP 440 versions;
- ``pins``: the pinned Python requirements of a project; ``audit``: judging them (the ``osv``
  scanner);
- ``exploits``: KEV and EPSS facts on findings; ``staleness``: how old each snapshot is;
- ``vex``: reading OpenVEX and CycloneDX VEX; ``openvex``: writing a run's decisions as OpenVEX;
- ``service``: the imported data served as an OSV query API on loopback (for pip-audit).
"""
