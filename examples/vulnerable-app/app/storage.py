"""Session and configuration loading (deliberately vulnerable)."""
import pickle
import sqlite3

import yaml


def load_session(blob):
    # Insecure deserialization of client-supplied bytes.
    return pickle.loads(blob)


def load_config(text):
    # yaml.load without SafeLoader can construct arbitrary objects.
    return yaml.load(text)


def find_user(db_path, username):
    conn = sqlite3.connect(db_path)
    cur = conn.cursor()
    # SQL injection: query built with string formatting.
    query = "SELECT id, name FROM users WHERE name = '%s'" % username
    cur.execute(query)
    rows = cur.fetchall()
    cur.execute("DELETE FROM sessions WHERE user = '{}'".format(username))
    conn.close()
    return rows
