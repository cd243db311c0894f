"""Offline advisory data: OSV records, CISA's Known Exploited Vulnerabilities catalog, FIRST's
EPSS scores and VEX statements, kept in a local store that scans consult without a network.

- ``osv``, ``kev``, ``epss``: reading each source's documented format into typed records;
- ``sources``: the files of an import (a directory, an OSV ``all.zip``, a gzip file);
- ``datadir``, ``store``: where the SQLite store lives, and the store with its query API;
- ``ranges``: whether a version is affected, by OSV's range rules over PEP 440 versions;
- ``pins``: the pinned Python requirements of a project; ``audit``: judging them (what the
  ``osv`` scanner runs);
- ``exploits``: KEV and EPSS facts on findings; ``staleness``: how old each snapshot is;
- ``vex``: reading OpenVEX and CycloneDX VEX; ``openvex``: writing a run's decisions as OpenVEX;
- ``service``, ``serve``: the imported data served as OSV's query API on loopback, and running
  one tool (pip-audit) with it;
- ``commands``: ``secgate advisories import|status|audit``.
"""
