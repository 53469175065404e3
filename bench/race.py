"""Eight `env set` commands on eight different keys, started at once: all must succeed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from common import BIN, clean_env, record


def env_set_race(work: Path) -> None:
    env = clean_env(REVLEDGER_HOME=str(work / "race"))
    subprocess.run([BIN / "revledger", "env", "set", "FIRST", "1"], env=env, check=True, capture_output=True)
    processes = [subprocess.Popen([BIN / "revledger", "env", "set", f"OPTION_{i}", "v"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(8)]
    codes = [p.wait(timeout=600) for p in processes]
    record("eight parallel `env set` on different keys", f"{codes.count(0)} of 8 succeed",
           "8 x `revledger env set OPTION_i v` started at once", "8 of 8", codes=codes)
