"""``python -m revledger_verify FILE.jsonl --public-key KEY [-o json]``.

Exit 0: every event verified (prints the count and the verified root). Exit 1: verification
failed (prints the first bad position and why). Exit 2: the file or key cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from revledger_verify.parallel import default_jobs, verify_file
from revledger_verify.note import NoteError, PublicKey


def load_public_key(text: str) -> PublicKey:
    """A key as printed by ``revledger keys create``, or a file holding one."""
    candidate = Path(text)
    if "+" not in text or candidate.is_file():
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError as error:
            raise NoteError(f"cannot read public key file {text}: {error.strerror}") from None
    return PublicKey.parse(text)


def describe(result: dict[str, object]) -> str:
    if result["ok"]:
        return f"ok: {result['events']} events verified against root {result['root']} (tree size {result['tree_size']})"
    return f"FAILED at position {result['first_bad_position']}: {result['reason']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revledger_verify",
        description="Verify a revledger export offline. Example: "
        "python -m revledger_verify audit.jsonl --public-key revledger.pub",
    )
    parser.add_argument("file", help="the export (JSON Lines) to verify")
    parser.add_argument("--public-key", required=True, metavar="KEY",
                        help="the ledger's public key (name+hash+base64) or a file holding it")
    parser.add_argument("-o", "--output", choices=("table", "json"), default="table")
    parser.add_argument("-j", "--jobs", type=int, default=default_jobs(), metavar="N",
                        help="processes hashing a large whole-log export (default: the CPUs, at most 8)")
    args = parser.parse_args(argv)
    try:
        key = load_public_key(args.public_key)
        result = verify_file(args.file, key, jobs=max(1, args.jobs)).as_dict()
    except NoteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.output == "json" else describe(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
