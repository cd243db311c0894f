"""Application settings with credentials committed in plain text (deliberately vulnerable).

All values below are made up for the secgate demo; none of them grants access to anything.
"""

DEBUG = True
DATABASE_PATH = "app.db"

# Fake AWS key pair: shaped like the real thing so secret scanners flag it.
AWS_ACCESS_KEY_ID = "AKIACQTJKSZPRFK5CKNC"
AWS_SECRET_ACCESS_KEY = "/tdg5J8ee8EvXGtJ0r6EKnImrOk/vkjdfLCJQ4GF"

# Fake GitHub personal access token.
GITHUB_TOKEN = "ghp_afMuhXXF9WXIGEYSslBo43qgguc6STNscLel"

SECRET_KEY = "django-insecure-7f3k2p9q8w1z0x5c4v6b"
