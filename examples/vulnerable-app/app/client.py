"""Outbound HTTP without certificate checks (deliberately vulnerable)."""
import requests


def fetch_status(url):
    return requests.get(url, verify=False, timeout=10).status_code
