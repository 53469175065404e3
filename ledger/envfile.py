"""Parsing .env files with python-dotenv, keeping line numbers for errors."""

from __future__ import annotations

import io
import re
from pathlib import PurePath

from dotenv.parser import parse_stream

from ledger.errors import InvalidInputError
from ledger.names import is_variable_name


#: ``.env.prod``, ``.env.staging``, ``.env.dev``… anywhere in a file's name, any case.
_NAMED_ENVIRONMENT = re.compile(
    r"\.env\.(production|prod|staging|stage|development|dev)(?![a-z0-9])", re.IGNORECASE
)
_ENVIRONMENT_OF = {"production": "production", "prod": "production", "staging": "staging",
                   "stage": "staging", "development": "development", "dev": "development"}


def environment_named_by(source: str) -> str | None:
    """The environment a .env file's name names (``.env.prod`` → production), if any."""
    match = _NAMED_ENVIRONMENT.search(PurePath(source.replace("\\", "/")).name)
    return _ENVIRONMENT_OF[match.group(1).lower()] if match else None


def parse_dotenv(text: str, source: str = ".env") -> dict[str, str]:
    """Keys and values of a .env text; blanks and comments skipped.

    Any malformed line, line without ``=``, invalid key or key given twice is refused, naming
    its line, and nothing is returned.
    """
    values: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        # python-dotenv numbers a binding from the blank lines before it: skip those.
        original = binding.original.string
        leading = original[: len(original) - len(original.lstrip())]
        line = binding.original.line + leading.count("\n")
        if binding.error:
            problems.append(f"line {line}: cannot parse {binding.original.string.strip()!r}")
        elif binding.key is None:
            continue  # blank line or comment
        elif not is_variable_name(binding.key):
            problems.append(f"line {line}: invalid variable name {binding.key!r}")
        elif binding.value is None:
            problems.append(f"line {line}: {binding.key!r} has no '=' (write {binding.key}= for an empty value)")
        elif binding.key in first_line:
            problems.append(
                f"line {line}: {binding.key!r} is given twice (first at line {first_line[binding.key]})"
            )
        else:
            first_line[binding.key] = line
            values[binding.key] = binding.value
    if problems:
        raise InvalidInputError(f"{source}: " + "; ".join(problems) + "; nothing imported")
    return values
