"""``tsunagu serve``: the web app for development and the demo (Werkzeug, loopback by default).

Production runs under gunicorn (``gunicorn -c gunicorn.conf.py tsunagu.wsgi:app``, see README);
this command is the one-machine default: catalogue pages, the map viewer, uploads and the APIs
over whichever catalogue the settings name.
"""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes and show tracebacks.")
@click.pass_obj
def command(obj: dict, host: str, port: int, debug: bool) -> None:
    """Serve the web app over HTTP."""
    from tsunagu.webapp import create_app
    from tsunagu.webapp.request_log import PrivateRequestHandler

    app = create_app(obj["settings"])
    click.echo(f"http://{host}:{port}/  ({obj['settings'].data_dir.resolve()})")
    app.run(
        host=host,
        port=port,
        debug=debug,
        use_reloader=debug,
        request_handler=PrivateRequestHandler,  # no IP address or query string in the log
    )
