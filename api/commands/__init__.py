"""The CLI's commands, one module per resource.

These modules and ``api/cli.py`` do not use ``from __future__ import annotations``: typer reads
the signature of every command on every start (``--help`` included), twice, and a string
annotation costs it a compile each time (25 ms of a 200 ms start). Nothing here imports more
than the command's own module needs at start-up; services load inside the command
(``tests/e2e/test_cli_startup.py``).
"""
