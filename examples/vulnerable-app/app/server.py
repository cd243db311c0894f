"""A tiny stdlib HTTP handler wiring the vulnerable helpers to query parameters.

Deliberately vulnerable: never run this anywhere reachable.
"""
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from app import calc, commands


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        if "host" in params:
            body = str(commands.ping(params["host"][0]))
        elif "expr" in params:
            body = str(calc.calculate(params["expr"][0]))
        else:
            body = "ok"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())


def main():
    HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()


if __name__ == "__main__":
    main()
