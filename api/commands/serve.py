"""``revledger serve``: the HTTP API (and, with ``--grpc-port``, gRPC) on the local store."""

from pathlib import Path
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
    grpc_port: Annotated[int | None, typer.Option(
        "--grpc-port", help="Also serve gRPC (dodil.scriptum.v1.ScriptumService, reflection, health) "
        "on this port, from the same process. Default: $REVLEDGER_GRPC_PORT, else off.")] = None,
    tls_cert: Annotated[Path | None, typer.Option(
        "--tls-cert", help="PEM certificate chain: serve HTTPS and gRPC over TLS. Default: $REVLEDGER_TLS_CERT.")] = None,
    tls_key: Annotated[Path | None, typer.Option(
        "--tls-key", help="PEM private key of --tls-cert. Default: $REVLEDGER_TLS_KEY.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) on the local store.

    Plaintext gRPC is served on a loopback host only; elsewhere give --tls-cert and --tls-key.

    Example: revledger serve --host 127.0.0.1 --port 8080 --grpc-port 50051
    """
    inv = invocation()
    given = {"host": host, "port": port, "grpc_port": grpc_port, "tls_cert": tls_cert, "tls_key": tls_key}
    settings = inv.settings.model_copy(update={k: v for k, v in given.items() if v is not None})
    from api.rpc.server import check_transport

    try:
        check_transport(settings)
        for path in (settings.tls_cert, settings.tls_key):
            if path is not None and not path.is_file():
                raise ValueError(f"no such file: {path}")
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if settings.grpc_port is not None:
        _check_free(settings.host, settings.grpc_port)
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

    scheme = "https" if settings.tls_cert else "http"
    url = f"{scheme}://{settings.host}:{settings.port}"
    shown = {"url": url, "docs": f"{url}/docs", "openapi": f"{url}/openapi.json", "home": str(settings.home)}
    message = f"Serving the revledger API at {url} (docs at {url}/docs)"
    if settings.grpc_port is not None:
        shown["grpc"] = f"{settings.host}:{settings.grpc_port}"
        message += f", gRPC at {shown['grpc']}" + (" (TLS)" if settings.tls_cert else " (plaintext)")
    emit(shown, output, message=message + ". Ctrl-C stops it.")
    tls = {"ssl_certfile": str(settings.tls_cert), "ssl_keyfile": str(settings.tls_key)} if settings.tls_cert else {}
    from api.server import uvicorn_config

    config = uvicorn_config(create_app(settings), settings, host=settings.host, port=settings.port, **tls)
    uvicorn.Server(config).run()


def _check_free(host: str, port: int) -> None:
    """Refuse in one line when the gRPC port is taken (the server itself also fails to bind)."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        typer.echo(f"error: cannot serve gRPC on {host}:{port}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
