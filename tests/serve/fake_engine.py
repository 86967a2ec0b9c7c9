"""A stand-in for the vLLM server in supervisor tests: answers GET /v1/models; the first run dies after 1 s.

Run as a script: python fake_engine.py PORT MARKER_FILE (never imported by pytest)."""

import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

port, marker = int(sys.argv[1]), Path(sys.argv[2])
first_run = not marker.exists()
marker.write_text("started")


class Models(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"data": []}')

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", port), Models)
if first_run:
    threading.Timer(1.0, lambda: __import__("os")._exit(3)).start()  # simulate a crash
server.serve_forever()
