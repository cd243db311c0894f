"""Shell helpers that trust their caller far too much (deliberately vulnerable)."""
import subprocess
import tempfile


def ping(host):
    # Command injection: user-controlled host is passed to a shell.
    cmd = "ping -c 1 " + host
    return subprocess.call(cmd, shell=True)


def archive(name):
    # Race-prone temporary file name.
    path = tempfile.mktemp(suffix=".tar")
    subprocess.call("tar cf %s %s" % (path, name), shell=True)
    return path
