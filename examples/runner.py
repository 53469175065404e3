#!/usr/bin/env python3
"""A small deterministic runner for the invoice-parser example (no network, no model).

revledger hands it ``{script, version, environment, content, config, input}`` as JSON on
stdin. It walks the workflow's blocks in order, fills ``{{ env.NAME }}`` from ``config``
(each entry ``{"value": ..., "secret": true|false}``; a secret is written as ``***``),
writes one step file per block into ``$REVLEDGER_STEPS_DIR``, and prints its JSON result.
Exit status 0 means passed; 1 means the run failed (for example an unresolved env
reference or an input without a total).

    REVLEDGER_RUNNER="python examples/runner.py" revledger run invoice-parser --env --result \
        --input '{"document": "ACME Corp\\nTotal: 1,250.00\\nDue: 2026-12-01"}'
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ENV_REF = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def entry(raw: Any) -> tuple[str, bool]:
    """A config entry's value and secret flag (a bare string, from older revledgers, is not secret)."""
    if isinstance(raw, dict):
        return str(raw.get("value", "")), bool(raw.get("secret"))
    return str(raw), False


def fill(value: Any, config: dict[str, Any], missing: set[str]) -> Any:
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in config:
                missing.add(name)
                return match.group(0)
            text, secret = entry(config[name])
            return "***" if secret else text
        return ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: fill(v, config, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, config, missing) for v in value]
    return value


def extract(document: str) -> dict[str, Any]:
    lines = [line.strip() for line in document.splitlines() if line.strip()]
    total = re.search(r"total[:\s]+([0-9][0-9,]*\.?[0-9]*)", document, re.IGNORECASE)
    due = re.search(r"due[:\s]+(\d{4}-\d{2}-\d{2})", document, re.IGNORECASE)
    return {
        "vendor": lines[0] if lines else None,
        "total": float(total.group(1).replace(",", "")) if total else None,
        "due_date": due.group(1) if due else None,
    }


def main() -> int:
    payload = json.load(sys.stdin)
    content = payload.get("content") or {}
    config = payload.get("config") or {}
    document = (payload.get("input") or {}).get("document", "")
    steps_dir = Path(os.environ.get("REVLEDGER_STEPS_DIR", "."))
    result: dict[str, Any] = {"script": payload["script"], "version": payload["version"]}
    missing: set[str] = set()
    for index, block in enumerate(content.get("blocks", []), start=1):
        resolved = fill(block, config, missing) if config else block
        step: dict[str, Any] = {"block": block.get("id"), "type": block.get("type"), "resolved": resolved}
        if block.get("type") == "llm.extract":
            result.update(extract(document))
            step["output"] = {k: result[k] for k in ("vendor", "total", "due_date")}
        elif block.get("type") == "llm.classify":
            result["label"] = "urgent" if (result.get("total") or 0) >= 1000 else "routine"
            step["output"] = {"label": result["label"]}
        (steps_dir / f"{index:02d}-{block.get('id', index)}.json").write_text(json.dumps(step, indent=2, sort_keys=True))
    if config and missing:
        result["error"] = f"unresolved env references: {', '.join(sorted(missing))}"
    elif result.get("total") is None:
        result["error"] = "no total found in the document"
    json.dump(result, sys.stdout, sort_keys=True)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main())
