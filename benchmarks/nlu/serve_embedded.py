"""Serve an embedded-model artifact on a Rasa-compatible ``POST /model/parse`` endpoint.

Why: to compare like with like, the benchmark times our model behind the same kind of HTTP call
the Rasa backend makes, in its own process (so the client's work does not share its GIL). The
answer has Rasa's shape (``intent``, ``intent_ranking``), which also means ``RasaNLU`` can talk
to it. Standard library server, threaded, loopback only; for benchmarking, not production.

Usage: ``python -m benchmarks.nlu.serve_embedded ARTIFACT PREFIX PORT``; prints ``ready`` once
listening.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nlu.artifact import load_artifact
from nlu.features import clear_text_caches


def main(argv: list[str]) -> int:
    artifact, prefix, port = Path(argv[0]), argv[1], int(argv[2])
    model = load_artifact(artifact)
    model.rank("warm up")  # first call builds sklearn's caches; keep it out of the timings

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Rasa's server offers
        # Headers and body are two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer, which would measure TCP, not us.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            """Silence per-request logging: it would dominate the measured latency."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                text = str(json.loads(self.rfile.read(length))["text"])
            except (ValueError, KeyError, TypeError):
                self._send(400, {"status": "failure", "reason": "BadRequest"})
                return
            # Each request pays for a new message, as in the bot (the benchmark sends the test
            # set twice; the second pass must not be served from the per-text caches).
            clear_text_caches()
            ranking = [
                {"name": f"{prefix}{label}", "confidence": conf} for label, conf in model.rank(text)
            ]
            self._send(200, {"text": text, "intent": ranking[0], "intent_ranking": ranking})

        def _send(self, status: int, payload: dict[str, object]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
