"""Authentication that is wrong in several ways (deliberately vulnerable)."""
import hashlib

ADMIN_USER = "admin"
admin_password = "Sup3rS3cret!2019"


def hash_password(password):
    # MD5 is not a password hash.
    return hashlib.md5(password.encode()).hexdigest()


def legacy_hash(password):
    return hashlib.sha1(password.encode()).hexdigest()


def check_admin(user, password):
    # assert is stripped under python -O, so this check vanishes.
    assert user == ADMIN_USER, "not an admin"
    return hash_password(password) == hash_password(admin_password)
