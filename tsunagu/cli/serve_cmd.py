"""``tsunagu serve``: browse the reports and outputs under the data directory.

Until the web app lands (catalogue pages and map viewer), this serves the files the pipeline
wrote — HTML validation reports, standard CSV, GeoJSON — read-only, on loopback by default.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import click


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'"
        )
        super().end_headers()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_obj
def command(obj: dict, host: str, port: int) -> None:
    """Serve the data directory (reports and outputs) over HTTP."""
    root = obj["settings"].data_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Handler, directory=str(root))
    server = ThreadingHTTPServer((host, port), handler)
    click.echo(f"http://{host}:{port}/  ({root})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
