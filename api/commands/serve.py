"""``revledger serve``: the HTTP API on the local store."""

from __future__ import annotations

from typing import Annotated

import typer

from api.commands.common import OutputOpt, emit, invocation
from api.output import Output

FIRST_TOKEN = """\
No API token exists yet, and the server does not run open. Create the first admin token:

  revledger token create --org {org} --role admin --name admin

then run `revledger serve` again and send it as `Authorization: Bearer <token>`."""


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on. Default: $REVLEDGER_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on. Default: $REVLEDGER_PORT or 8080.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) on the local store.

    Example: revledger serve --host 127.0.0.1 --port 8080
    """
    inv = invocation()
    settings = inv.settings.model_copy(
        update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    )
    ledger = inv.ledger
    try:
        has_tokens = ledger.has_active_tokens()
    finally:
        ledger.close()
    if not has_tokens:
        typer.echo(FIRST_TOKEN.format(org=inv.org), err=True)
        raise typer.Exit(1)

    import uvicorn

    from api.main import create_app

    url = f"http://{settings.host}:{settings.port}"
    emit(
        {"url": url, "docs": f"{url}/docs", "openapi": f"{url}/openapi.json", "home": str(settings.home)},
        output, message=f"Serving the revledger API at {url} (docs at {url}/docs). Ctrl-C stops it.",
    )
    from api.server import uvicorn_config

    uvicorn.Server(uvicorn_config(create_app(settings), settings, host=settings.host, port=settings.port)).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
