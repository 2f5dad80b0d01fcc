"""Handlers for a hostile local server (tests/siteserver.py): servers that stall, lie or point
elsewhere on purpose. Loopback only."""

from __future__ import annotations

import time

from tests.siteserver import RequestHandler


def slow_headers(seconds: float, every: float = 0.2, status_first: bool = True):
    """Send the status line, then one header line every ``every`` seconds for ``seconds``: every
    single read is fast, the response never completes."""
    def h(req: RequestHandler) -> None:
        req.close_connection = True
        end = time.monotonic() + seconds
        try:
            if status_first:
                req.wfile.write(b"HTTP/1.1 200 OK\r\n")
            else:  # even the status line drips, byte by byte
                for ch in b"HTTP/1.1 200 OK\r\n":
                    req.wfile.write(bytes([ch]))
                    req.wfile.flush()
                    time.sleep(every)
            i = 0
            while time.monotonic() < end:
                req.wfile.write(f"X-Drip-{i}: {'y' * 10}\r\n".encode())
                req.wfile.flush()
                i += 1
                time.sleep(every)
            req.wfile.write(b"Content-Type: text/html\r\nContent-Length: 2\r\n\r\nok")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
    return h


def raw_redirect(location: str, status: int = 302):
    """A redirect whose Location header is sent byte for byte as given (however malformed)."""
    def h(req: RequestHandler) -> None:
        body = b""
        req.wfile.write(f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n".encode("latin-1") + body)
        req.close_connection = True
    return h
