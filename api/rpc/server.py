"""The gRPC server: ScriptumService, reflection and health on the HTTP server's event loop.

``create_app`` starts it in the FastAPI lifespan when ``grpc_port`` is set, over the same
:class:`~api.dependencies.Services` (the same single writer and read models) as HTTP.
Plaintext binds only a loopback host; elsewhere it needs ``tls_cert``/``tls_key``, which
then secure both interfaces.
"""

from __future__ import annotations

import ipaddress
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from api.dependencies import Services
from api.rpc import scriptum_pb2 as pb
from api.rpc import scriptum_pb2_grpc as pb_grpc
from api.rpc.authentication import SERVICE, Authentication
from api.rpc.service import ScriptumService
from api.settings import Settings

log = logging.getLogger("revledger.rpc")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(settings: Settings) -> None:
    """Refuse plaintext gRPC on a non-loopback host, and half a TLS pair."""
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise ValueError("give both --tls-cert and --tls-key, or neither")
    if settings.grpc_port is not None and not settings.tls_cert and not is_loopback(settings.host):
        raise ValueError(
            f"plaintext gRPC is served on loopback only: give --tls-cert and --tls-key to serve on {settings.host}"
        )


def _credentials(settings: Settings) -> grpc.ServerCredentials | None:
    if not settings.tls_cert or not settings.tls_key:
        return None
    return grpc.ssl_server_credentials([(settings.tls_key.read_bytes(), settings.tls_cert.read_bytes())])


class GrpcServer:
    """One grpc.aio server; ``start`` binds the port or raises, ``stop`` drains calls."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.settings = settings
        limit = settings.max_body_bytes
        self.server = grpc.aio.server(
            interceptors=[Authentication(services)],
            options=[
                ("grpc.so_reuseport", 0),  # a second server on the port fails instead of sharing it
                ("grpc.max_receive_message_length", limit),
            ],
        )
        pb_grpc.add_ScriptumServiceServicer_to_server(ScriptumService(services), self.server)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = (
            pb.DESCRIPTOR.services_by_name["ScriptumService"].full_name,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        )
        reflection.enable_server_reflection(names, self.server)
        self.port = 0

    async def start(self) -> int:
        address = f"{self.settings.host}:{self.settings.grpc_port}"
        credentials = _credentials(self.settings)
        if credentials is None:
            self.port = self.server.add_insecure_port(address)
        else:
            self.port = self.server.add_secure_port(address, credentials)
        await self.server.start()
        serving = health_pb2.HealthCheckResponse.SERVING
        await self.health.set("", serving)
        await self.health.set(SERVICE, serving)
        log.info("gRPC listening on %s:%s", self.settings.host, self.port)
        return self.port

    async def stop(self, grace: float = 5.0) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
