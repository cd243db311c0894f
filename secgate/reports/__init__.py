"""Every output secgate writes, one module per format, all rendered from one ``ScanResult``."""
