"""Scripts, their drafts and their published versions: the ledger's script commands
(:class:`Scripts`; the aggregates are in :mod:`ledger.script`)."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.aggregates import Aggregates
from ledger.content import Content
from ledger.errors import AlreadyExistsError, ConflictError
from ledger.names import check_org, check_script_name
from ledger.retries import RacedError, retried
from ledger.script import Script, ScriptCatalog
from ledger.views import DraftView, ScriptView, VersionView


class Scripts:
    """Creating and listing scripts, saving drafts, publishing and reading versions."""

    def __init__(self, store: Aggregates) -> None:
        self.store = store

    def create_script(
        self, *, org: str, name: str, actor: str, description: str = "", tags: Iterable[str] = ()
    ) -> ScriptView:
        check_org(org)
        check_script_name(name)
        tag_list = sorted({t.strip() for t in tags if t.strip()})
        for _attempt in range(5):
            if self.store.get(Script, Script.create_id(org, name)) is not None:
                raise AlreadyExistsError(f"script {name!r} already exists")
            catalog = self.store.get(ScriptCatalog, ScriptCatalog.create_id(org)) or ScriptCatalog(org=org)
            script = Script(org=org, script=name, description=description, tags=tag_list, actor=actor)
            catalog.add(name=name)
            try:
                position = self.store.save(catalog, script)
            except RacedError:
                continue  # another script was added to the catalog meanwhile: re-check and retry
            return self._script_view(org, script, position)
        raise ConflictError("too many concurrent writers in this organization: nothing was saved")

    def get_script(self, *, org: str, name: str) -> ScriptView:
        return self._script_view(org, self.store.script(org, name))

    def check_script_history(self, *, org: str, name: str) -> None:
        """A DamagedStoreError naming the script when an event of its history is missing
        (for queries that answer from the read models): one count, nothing replayed."""
        self.store.check_history(Script, Script.create_id(org, name), f"script {name!r}")

    def list_scripts(self, *, org: str, tags: Iterable[str] = ()) -> list[ScriptView]:
        check_org(org)
        wanted = {t.strip() for t in tags if t.strip()}
        catalog = self.store.get(ScriptCatalog, ScriptCatalog.create_id(org))
        views = []
        for name in sorted(catalog.names if catalog else []):
            script = self.store.script(org, name)
            if wanted <= set(script.tags):
                views.append(self._script_view(org, script))
        return views

    def _script_view(self, org: str, script: Script, position: int | None = None) -> ScriptView:
        return ScriptView(
            name=script.name,
            description=script.description,
            tags=list(script.tags),
            latest_version=script.latest["version"] if script.latest else None,
            draft=script.draft_status,
            draft_base_version=script.latest["version"]
            if script.latest and script.draft_status == "modified"
            else None,
            environments=self.store.pointers(org, script.name),
            created_at=script.created_on,
            created_by=script.created_by,
            position=position,
        )

    # Drafts and versions -------------------------------------------------------

    @retried
    def save_draft(self, *, org: str, name: str, content: Content, actor: str) -> DraftView:
        script = self.store.script(org, name)
        blob = self.store.contents.new_blob(org, content)
        script.save_draft(content, actor=actor)
        position = self.store.save(blob, script)  # the script's event last: its position is returned
        assert script.draft is not None
        return DraftView(
            script=name,
            format=content.format,
            content_sha256=content.sha256,
            status=script.draft_status,
            saved_at=script.draft["saved_at"],
            actor=actor,
            position=position,
        )

    @retried
    def publish(
        self, *, org: str, name: str, actor: str, label: str | None = None, note: str | None = None
    ) -> VersionView:
        script = self.store.script(org, name)
        number = script.publish(actor=actor, label=label, note=note)
        position = self.store.save(script)
        return self._version_view(script, number, with_content=False, position=position)

    @retried
    def label_version(
        self, *, org: str, name: str, version: int | str, label: str, actor: str
    ) -> VersionView:
        """Give a version a label (unique within the script), as one event; relabelling a
        version that already has that label changes nothing (``position`` is None)."""
        script = self.store.script(org, name)
        number = self.store.resolve_version(org, script, version)
        changed = script.label_version(number, label.strip() if label else label, actor=actor)
        position = self.store.save(script) if changed else None
        return self._version_view(script, number, with_content=False, position=position)

    def list_versions(self, *, org: str, name: str) -> list[VersionView]:
        script = self.store.script(org, name)
        return [
            self._version_view(script, v["version"], with_content=False) for v in script.versions
        ]

    def get_version(
        self, *, org: str, name: str, version: int | str, with_content: bool = False
    ) -> VersionView:
        script = self.store.script(org, name)
        number = self.store.resolve_version(org, script, version)
        return self._version_view(script, number, with_content=with_content)

    def _version_view(
        self, script: Script, number: int, with_content: bool, position: int | None = None
    ) -> VersionView:
        v = script.get_version(number)
        assert v is not None
        return VersionView(
            script=script.name,
            version=v["version"],
            label=v["label"],
            note=v["note"],
            author=v["author"],
            published_at=v["published_at"],
            content_sha256=v["content_sha256"],
            format=v["format"],
            content=self.store.contents.get(script.org, script.id, v).data if with_content else None,
            position=position,
        )
