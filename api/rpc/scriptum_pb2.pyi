from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetScriptEnvRequest(_message.Message):
    __slots__ = ("name", "environment", "reveal")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    name: str
    environment: str
    reveal: bool
    def __init__(self, name: _Optional[str] = ..., environment: _Optional[str] = ..., reveal: _Optional[bool] = ...) -> None: ...

class UpdateScriptEnvRequest(_message.Message):
    __slots__ = ("name", "set", "delete", "environment")
    class SetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    set: _containers.ScalarMap[str, str]
    delete: _containers.RepeatedScalarFieldContainer[str]
    environment: str
    def __init__(self, name: _Optional[str] = ..., set: _Optional[_Mapping[str, str]] = ..., delete: _Optional[_Iterable[str]] = ..., environment: _Optional[str] = ...) -> None: ...

class EnvValue(_message.Message):
    __slots__ = ("value", "secret", "fingerprint")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    value: str
    secret: bool
    fingerprint: str
    def __init__(self, value: _Optional[str] = ..., secret: _Optional[bool] = ..., fingerprint: _Optional[str] = ...) -> None: ...

class ScriptEnv(_message.Message):
    __slots__ = ("name", "env", "variables", "environment", "set", "deleted", "position")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: EnvValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[EnvValue, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    env: _containers.ScalarMap[str, str]
    variables: _containers.MessageMap[str, EnvValue]
    environment: str
    set: _containers.RepeatedScalarFieldContainer[str]
    deleted: _containers.RepeatedScalarFieldContainer[str]
    position: int
    def __init__(self, name: _Optional[str] = ..., env: _Optional[_Mapping[str, str]] = ..., variables: _Optional[_Mapping[str, EnvValue]] = ..., environment: _Optional[str] = ..., set: _Optional[_Iterable[str]] = ..., deleted: _Optional[_Iterable[str]] = ..., position: _Optional[int] = ...) -> None: ...

class CreateScriptRequest(_message.Message):
    __slots__ = ("name", "description", "tags", "env")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    env: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., env: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetScriptRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListScriptsRequest(_message.Message):
    __slots__ = ("tags",)
    TAGS_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tags: _Optional[_Iterable[str]] = ...) -> None: ...

class Script(_message.Message):
    __slots__ = ("name", "description", "tags", "latest_version", "draft", "draft_base_version", "environments", "created_at", "created_by", "position")
    class EnvironmentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    latest_version: int
    draft: str
    draft_base_version: int
    environments: _containers.ScalarMap[str, int]
    created_at: str
    created_by: str
    position: int
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., latest_version: _Optional[int] = ..., draft: _Optional[str] = ..., draft_base_version: _Optional[int] = ..., environments: _Optional[_Mapping[str, int]] = ..., created_at: _Optional[str] = ..., created_by: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListScriptsResponse(_message.Message):
    __slots__ = ("scripts",)
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    scripts: _containers.RepeatedCompositeFieldContainer[Script]
    def __init__(self, scripts: _Optional[_Iterable[_Union[Script, _Mapping]]] = ...) -> None: ...

class SaveDraftRequest(_message.Message):
    __slots__ = ("name", "content", "format")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    content: str
    format: str
    def __init__(self, name: _Optional[str] = ..., content: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class Draft(_message.Message):
    __slots__ = ("script", "format", "content_sha256", "status", "saved_at", "actor", "position")
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SAVED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    script: str
    format: str
    content_sha256: str
    status: str
    saved_at: str
    actor: str
    position: int
    def __init__(self, script: _Optional[str] = ..., format: _Optional[str] = ..., content_sha256: _Optional[str] = ..., status: _Optional[str] = ..., saved_at: _Optional[str] = ..., actor: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class PublishDraftRequest(_message.Message):
    __slots__ = ("name", "label", "note")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    note: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ListScriptVersionsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetScriptVersionRequest(_message.Message):
    __slots__ = ("name", "version", "include_content")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CONTENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    include_content: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., include_content: _Optional[bool] = ...) -> None: ...

class ScriptVersion(_message.Message):
    __slots__ = ("script", "version", "label", "note", "author", "published_at", "content_sha256", "format", "content_json", "position")
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_JSON_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    script: str
    version: int
    label: str
    note: str
    author: str
    published_at: str
    content_sha256: str
    format: str
    content_json: str
    position: int
    def __init__(self, script: _Optional[str] = ..., version: _Optional[int] = ..., label: _Optional[str] = ..., note: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[str] = ..., content_sha256: _Optional[str] = ..., format: _Optional[str] = ..., content_json: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListScriptVersionsResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[ScriptVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[ScriptVersion, _Mapping]]] = ...) -> None: ...

class RollbackScriptRequest(_message.Message):
    __slots__ = ("name", "to", "incident", "reason", "environment", "force")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    to: int
    incident: str
    reason: str
    environment: str
    force: bool
    def __init__(self, name: _Optional[str] = ..., to: _Optional[int] = ..., incident: _Optional[str] = ..., reason: _Optional[str] = ..., environment: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class PromoteRequest(_message.Message):
    __slots__ = ("name", "version", "environment", "reason", "expect_current", "override_gates", "incident")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECT_CURRENT_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_GATES_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    environment: str
    reason: str
    expect_current: int
    override_gates: bool
    incident: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., environment: _Optional[str] = ..., reason: _Optional[str] = ..., expect_current: _Optional[int] = ..., override_gates: _Optional[bool] = ..., incident: _Optional[str] = ...) -> None: ...

class Move(_message.Message):
    __slots__ = ("script", "environment", "kind", "version", "previous_version", "changed", "actor", "reason", "incident", "forced", "overridden_gates", "time", "position", "request_id", "request_state", "approvals_required")
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_FIELD_NUMBER: _ClassVar[int]
    FORCED_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_GATES_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_STATE_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    script: str
    environment: str
    kind: str
    version: int
    previous_version: int
    changed: bool
    actor: str
    reason: str
    incident: str
    forced: bool
    overridden_gates: _containers.RepeatedScalarFieldContainer[str]
    time: str
    position: int
    request_id: str
    request_state: str
    approvals_required: int
    def __init__(self, script: _Optional[str] = ..., environment: _Optional[str] = ..., kind: _Optional[str] = ..., version: _Optional[int] = ..., previous_version: _Optional[int] = ..., changed: _Optional[bool] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., incident: _Optional[str] = ..., forced: _Optional[bool] = ..., overridden_gates: _Optional[_Iterable[str]] = ..., time: _Optional[str] = ..., position: _Optional[int] = ..., request_id: _Optional[str] = ..., request_state: _Optional[str] = ..., approvals_required: _Optional[int] = ...) -> None: ...

class SetEnvVarRequest(_message.Message):
    __slots__ = ("key", "value", "environment", "secret")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    environment: str
    secret: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., environment: _Optional[str] = ..., secret: _Optional[bool] = ...) -> None: ...

class GetEnvVarRequest(_message.Message):
    __slots__ = ("key", "environment", "reveal")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    key: str
    environment: str
    reveal: bool
    def __init__(self, key: _Optional[str] = ..., environment: _Optional[str] = ..., reveal: _Optional[bool] = ...) -> None: ...

class ListEnvVarsRequest(_message.Message):
    __slots__ = ("environment", "reveal")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    environment: str
    reveal: bool
    def __init__(self, environment: _Optional[str] = ..., reveal: _Optional[bool] = ...) -> None: ...

class DeleteEnvVarRequest(_message.Message):
    __slots__ = ("key", "environment")
    KEY_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    key: str
    environment: str
    def __init__(self, key: _Optional[str] = ..., environment: _Optional[str] = ...) -> None: ...

class ImportEnvVarsRequest(_message.Message):
    __slots__ = ("content", "environment", "source")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    content: str
    environment: str
    source: str
    def __init__(self, content: _Optional[str] = ..., environment: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class EnvVar(_message.Message):
    __slots__ = ("key", "value", "secret", "fingerprint", "environment")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    secret: bool
    fingerprint: str
    environment: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., secret: _Optional[bool] = ..., fingerprint: _Optional[str] = ..., environment: _Optional[str] = ...) -> None: ...

class ListEnvVarsResponse(_message.Message):
    __slots__ = ("vars",)
    VARS_FIELD_NUMBER: _ClassVar[int]
    vars: _containers.RepeatedCompositeFieldContainer[EnvVar]
    def __init__(self, vars: _Optional[_Iterable[_Union[EnvVar, _Mapping]]] = ...) -> None: ...

class ImportEnvVarsResponse(_message.Message):
    __slots__ = ("environment", "added", "changed", "unchanged", "keys", "position")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    environment: str
    added: int
    changed: int
    unchanged: int
    keys: _containers.RepeatedScalarFieldContainer[str]
    position: int
    def __init__(self, environment: _Optional[str] = ..., added: _Optional[int] = ..., changed: _Optional[int] = ..., unchanged: _Optional[int] = ..., keys: _Optional[_Iterable[str]] = ..., position: _Optional[int] = ...) -> None: ...

class CreateThreadRequest(_message.Message):
    __slots__ = ("script_name", "version", "input_json", "load_env", "environment")
    SCRIPT_NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INPUT_JSON_FIELD_NUMBER: _ClassVar[int]
    LOAD_ENV_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    script_name: str
    version: int
    input_json: str
    load_env: bool
    environment: str
    def __init__(self, script_name: _Optional[str] = ..., version: _Optional[int] = ..., input_json: _Optional[str] = ..., load_env: _Optional[bool] = ..., environment: _Optional[str] = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("name", "sha256", "size")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    name: str
    sha256: str
    size: int
    def __init__(self, name: _Optional[str] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class Thread(_message.Message):
    __slots__ = ("thread_id", "script", "version", "environment", "status", "duration_ms", "input_sha256", "output_sha256", "steps", "error", "actor", "started_at", "finished_at", "output", "position")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    script: str
    version: int
    environment: str
    status: str
    duration_ms: int
    input_sha256: str
    output_sha256: str
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    error: str
    actor: str
    started_at: str
    finished_at: str
    output: str
    position: int
    def __init__(self, thread_id: _Optional[str] = ..., script: _Optional[str] = ..., version: _Optional[int] = ..., environment: _Optional[str] = ..., status: _Optional[str] = ..., duration_ms: _Optional[int] = ..., input_sha256: _Optional[str] = ..., output_sha256: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., error: _Optional[str] = ..., actor: _Optional[str] = ..., started_at: _Optional[str] = ..., finished_at: _Optional[str] = ..., output: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class HealthCheckRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HealthCheckResponse(_message.Message):
    __slots__ = ("status", "version", "uptime_seconds")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    status: str
    version: str
    uptime_seconds: float
    def __init__(self, status: _Optional[str] = ..., version: _Optional[str] = ..., uptime_seconds: _Optional[float] = ...) -> None: ...
