"""Regenerate the committed Python code of ``scriptum.proto`` (needs grpcio-tools, dev extra).

Example: python -m api.rpc.generate            (rewrites api/rpc/scriptum_pb2*.py)
         python -m api.rpc.generate OUT_DIR    (writes the files under OUT_DIR instead)

The code is committed so an install needs no protoc; ``tests/unit/test_rpc_generated.py``
fails when it differs from what the pinned grpcio-tools generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO = "api/rpc/scriptum.proto"
OUTPUTS = ("api/rpc/scriptum_pb2.py", "api/rpc/scriptum_pb2.pyi", "api/rpc/scriptum_pb2_grpc.py")


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on the proto (paths relative to the repository root) into ``out_dir``."""
    from grpc_tools import protoc

    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["protoc", f"-I{ROOT}", f"--python_out={out_dir}", f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}", str(ROOT / PROTO)]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed on {PROTO}")
    return [out_dir / name for name in OUTPUTS]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    for path in generate(target):
        print(path)
