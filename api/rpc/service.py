"""``dodil.scriptum.v1.ScriptumService``: each RPC is one ledger operation, with the HTTP role.

Commands run on the server's single writer (:meth:`Services.command`), which brings the read
models up to date before the answer; queries run in the thread pool. The caller comes from
:mod:`api.rpc.authentication`; a domain error ends the call through :mod:`api.rpc.status`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import grpc

from api.dependencies import VERSION, Caller, Services, check_reveal, mover_role, record_reveal
from api.rpc import messages
from api.rpc import scriptum_pb2 as pb
from api.rpc import scriptum_pb2_grpc as pb_grpc
from api.rpc.authentication import CALLER
from api.rpc.messages import message
from api.rpc.status import abort
from ledger.unset import UNSET
from ledger.content import from_value, parse_content
from ledger.errors import InvalidInputError, LedgerError, RefusedError
from ledger.request_view import RequestView

R = TypeVar("R")
Handler = Callable[[Any, Any, Caller], Awaitable[Any]]

FORMATS = ("text", "json", "yaml")


def _optional(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


def _input(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"input_json is not JSON: {e}") from None


def rpc(method: Callable[[Any, Any, Caller], Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """Run the method as the authenticated caller; a domain error becomes the call's status."""

    async def call(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        try:
            return await method(self, request, CALLER.get())
        except LedgerError as error:
            await abort(context, error)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class ScriptumService(pb_grpc.ScriptumServiceServicer):  # type: ignore[misc]
    def __init__(self, services: Services) -> None:
        self.services = services
        self.ledger = services.ledger

    async def _write(self, caller: Caller, role: str, action: str, work: Callable[[], R]) -> R:
        caller.require(role, action)
        return await self.services.command(work)

    async def _configure(self, caller: Caller, environment: str | None, work: Callable[[], R]) -> R:
        """A configuration write: production's needs a deployer, as over HTTP. With approvals
        on for its environment the change request is recorded, and the call says so (refused:
        the message has no place for a request)."""
        caller.require_config_write(environment)
        result = await self.services.command(work)
        if isinstance(result, RequestView):
            raise RefusedError(
                f"{environment} configuration needs {result.required} approval(s): recorded change "
                f"request {result.id}, nothing was written yet (`revledger request approve {result.id}`)")
        return result

    # Overlays -----------------------------------------------------------------

    @rpc
    async def GetScriptEnv(self, request: Any, caller: Caller) -> pb.ScriptEnv:  # noqa: N802
        check_reveal(caller, request.reveal)
        environment = _optional(request, "environment")
        view = await self.services.read(
            self.ledger.get_overlay, org=caller.org, name=request.name,
            environment=environment, reveal=request.reveal,
        )
        if request.reveal:  # in the audit trail, as over HTTP: who, which keys, when
            await record_reveal(self.services, caller, view, "overlay get (Scriptum gRPC)",
                                request.name, environment)
        return messages.script_env(view)

    @rpc
    async def UpdateScriptEnv(self, request: Any, caller: Caller) -> pb.ScriptEnv:  # noqa: N802
        environment = _optional(request, "environment")
        view = await self._configure(caller, environment, partial(
            self.ledger.update_overlay, org=caller.org, name=request.name, actor=caller.actor,
            set_=dict(request.set), delete=list(request.delete), environment=environment,
        ))
        return messages.script_env(view)

    # Scripts, drafts, versions --------------------------------------------------

    @rpc
    async def CreateScript(self, request: Any, caller: Caller) -> pb.Script:  # noqa: N802
        org, name, env = caller.org, request.name, dict(request.env)

        def create() -> Any:
            view = self.ledger.create_script(org=org, name=name, actor=caller.actor,
                                             description=request.description, tags=list(request.tags))
            if env:
                self.ledger.update_overlay(org=org, name=name, actor=caller.actor, set_=env)
            return view

        return message(pb.Script, await self._write(caller, "editor", "this change", create))

    @rpc
    async def GetScript(self, request: Any, caller: Caller) -> pb.Script:  # noqa: N802
        view = await self.services.read(lambda: self.services.projections().get_script(org=caller.org,
                                                                                      name=request.name))
        return message(pb.Script, view)

    @rpc
    async def ListScripts(self, request: Any, caller: Caller) -> pb.ListScriptsResponse:  # noqa: N802
        views = await self.services.read(lambda: self.services.projections().list_scripts(
            org=caller.org, tags=list(request.tags)))
        return pb.ListScriptsResponse(scripts=[message(pb.Script, v) for v in views])

    @rpc
    async def SaveDraft(self, request: Any, caller: Caller) -> pb.Draft:  # noqa: N802
        fmt = request.format or "text"
        if fmt not in FORMATS:
            raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        content = from_value(request.content, "text") if fmt == "text" else parse_content(request.content, fmt)
        view = await self._write(caller, "editor", "this change", partial(
            self.ledger.save_draft, org=caller.org, name=request.name, content=content, actor=caller.actor,
        ))
        return message(pb.Draft, view)

    @rpc
    async def PublishDraft(self, request: Any, caller: Caller) -> pb.ScriptVersion:  # noqa: N802
        view = await self._write(caller, "editor", "this change", partial(
            self.ledger.publish, org=caller.org, name=request.name, actor=caller.actor,
            label=_optional(request, "label"), note=_optional(request, "note"),
        ))
        return messages.version(view)

    @rpc
    async def ListScriptVersions(self, request: Any, caller: Caller) -> pb.ListScriptVersionsResponse:  # noqa: N802
        views = await self.services.read(lambda: self.services.projections().list_versions(
            org=caller.org, name=request.name))
        return pb.ListScriptVersionsResponse(versions=[messages.version(v) for v in views])

    @rpc
    async def GetScriptVersion(self, request: Any, caller: Caller) -> pb.ScriptVersion:  # noqa: N802
        if request.version < 0:
            raise InvalidInputError("version must be a version number, or 0 for the active one")
        view = await self.services.read(lambda: self.services.projections().get_version(
            org=caller.org, name=request.name, version=request.version, with_content=request.include_content))
        return messages.version(view)

    # Environment pointers -------------------------------------------------------

    @rpc
    async def RollbackScript(self, request: Any, caller: Caller) -> pb.Move:  # noqa: N802
        environment = _optional(request, "environment") or "production"
        view = await self._write(caller, mover_role(environment), f"moving the {environment} pointer", partial(
            self.ledger.rollback, org=caller.org, name=request.name, to=request.to, actor=caller.actor,
            environment=environment, reason=_optional(request, "reason"),
            incident=_optional(request, "incident"), force=request.force,
        ))
        return messages.move(view)

    @rpc
    async def Promote(self, request: Any, caller: Caller) -> pb.Move:  # noqa: N802
        environment = request.environment
        if request.version < 0:
            raise InvalidInputError("version must be a version number, or 0 for the active one")
        caller.require(mover_role(environment), f"moving the {environment} pointer")
        if request.override_gates:
            caller.require("deployer", "overriding promotion gates")
        expected = _optional(request, "expect_current")
        view = await self.services.command(partial(
            self.ledger.promote, org=caller.org, name=request.name, version=request.version,
            environment=environment, actor=caller.actor, reason=_optional(request, "reason"),
            expect_current=UNSET if expected is None else expected,
            override_gates=request.override_gates, incident=_optional(request, "incident"),
        ))
        return messages.move(view)

    # Tenant variables -----------------------------------------------------------

    @rpc
    async def SetEnvVar(self, request: Any, caller: Caller) -> pb.EnvVar:  # noqa: N802
        environment = _optional(request, "environment")
        view = await self._configure(caller, environment, partial(
            self.ledger.set_variable, org=caller.org, key=request.key, value=request.value,
            actor=caller.actor, environment=environment, secret=request.secret,
        ))
        return message(pb.EnvVar, view)

    @rpc
    async def GetEnvVar(self, request: Any, caller: Caller) -> pb.EnvVar:  # noqa: N802
        check_reveal(caller, request.reveal)
        environment = _optional(request, "environment")
        view = await self.services.read(
            self.ledger.get_variable, org=caller.org, key=request.key,
            environment=environment, reveal=request.reveal,
        )
        if request.reveal:
            await record_reveal(self.services, caller, view, "env get (Scriptum gRPC)",
                                environment=environment)
        return message(pb.EnvVar, view)

    @rpc
    async def ListEnvVars(self, request: Any, caller: Caller) -> pb.ListEnvVarsResponse:  # noqa: N802
        check_reveal(caller, request.reveal)
        environment = _optional(request, "environment")
        views = await self.services.read(
            self.ledger.list_variables, org=caller.org, environment=environment, reveal=request.reveal,
        )
        if request.reveal:
            await record_reveal(self.services, caller, views, "env list (Scriptum gRPC)",
                                environment=environment)
        return pb.ListEnvVarsResponse(vars=[message(pb.EnvVar, v) for v in views])

    @rpc
    async def DeleteEnvVar(self, request: Any, caller: Caller) -> pb.EnvVar:  # noqa: N802
        environment = _optional(request, "environment")
        view = await self._configure(caller, environment, partial(
            self.ledger.delete_variable, org=caller.org, key=request.key, actor=caller.actor,
            environment=environment,
        ))
        return message(pb.EnvVar, view)

    @rpc
    async def ImportEnvVars(self, request: Any, caller: Caller) -> pb.ImportEnvVarsResponse:  # noqa: N802
        environment = _optional(request, "environment")
        view = await self._configure(caller, environment, partial(
            self.ledger.import_variables, org=caller.org, text=request.content, actor=caller.actor,
            environment=environment, source=_optional(request, "source") or ".env",
        ))
        return message(pb.ImportEnvVarsResponse, view)

    # Runs -----------------------------------------------------------------------

    @rpc
    async def CreateThread(self, request: Any, caller: Caller) -> pb.Thread:  # noqa: N802
        environment = _optional(request, "environment") or "production"
        if request.version < 0:
            raise InvalidInputError("version must be a version number, or 0 for the active one")
        run = await self._write(caller, mover_role(environment), f"running in {environment}", partial(
            self.ledger.run, org=caller.org, name=request.script_name, actor=caller.actor,
            environment=environment, version=request.version, input=_input(request.input_json),
            with_env=request.load_env,
        ))
        return messages.thread(run)

    @rpc
    async def GetThread(self, request: Any, caller: Caller) -> pb.Thread:  # noqa: N802
        run = await self.services.read(  # from the read model, as `runs get` and GET /v1/runs/{id}
            lambda: self.services.projections().get_run(org=caller.org, run_id=request.thread_id))
        return messages.thread(run)

    # Health ---------------------------------------------------------------------

    async def HealthCheck(self, request: Any, context: grpc.aio.ServicerContext) -> pb.HealthCheckResponse:  # noqa: N802
        uptime = round(time.monotonic() - self.services.started, 3)
        return pb.HealthCheckResponse(status="ok", version=VERSION, uptime_seconds=uptime)
