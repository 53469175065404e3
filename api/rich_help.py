"""Typer's help formatter without the parts of rich revledger never uses, until they are used.

Typer formats help and errors with ``typer.rich_utils``, which imports ``rich.markdown``
(markdown-it and pygments, for ``rich_markup_mode="markdown"``) and ``rich.traceback`` (for
pretty exceptions): together about 30 ms, a sixth of ``revledger --help``, and revledger uses
neither (its markup mode is "rich", pretty exceptions are off). :func:`defer` puts a stand-in
for ``typer.rich_utils`` in ``sys.modules``; the first time typer uses it, the real module is
imported with ``Markdown`` and ``Traceback`` standing in for those two classes. A stand-in
imports its real module the first time it is called or asked for an attribute, so markdown
help or a rich traceback would still work, only not at start-up. Other code importing
``rich.markdown`` gets the real module: the stand-ins are in ``sys.modules`` only while
``typer.rich_utils`` is being imported.
"""

import importlib
import sys
import types
from typing import Any

RICH_UTILS = "typer.rich_utils"
DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _Deferred(type):
    """A class standing in for ``module.name``: calls and attributes go to the real class."""

    def real(cls) -> Any:
        return getattr(importlib.import_module(cls.__module__), cls.__qualname__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.real(), name)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.real())


def _stand_in(module: str, name: str) -> types.ModuleType:
    stand_in = types.ModuleType(module)
    setattr(stand_in, name, _Deferred(name, (), {"__module__": module, "__qualname__": name}))
    return stand_in


def _import_rich_utils() -> types.ModuleType:
    current = sys.modules.get(RICH_UTILS)
    if current is not None and not isinstance(current, _LazyRichUtils):
        return current
    sys.modules.pop(RICH_UTILS, None)
    stand_ins = {module: _stand_in(module, name) for module, name in DEFERRED.items() if module not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module(RICH_UTILS)
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


class _LazyRichUtils(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        return getattr(_import_rich_utils(), name)


def defer() -> None:
    """Make ``typer.rich_utils`` import on first use, without markdown and tracebacks."""
    if RICH_UTILS not in sys.modules:
        import typer

        sys.modules[RICH_UTILS] = typer.rich_utils = _LazyRichUtils(RICH_UTILS)  # type: ignore[attr-defined]
