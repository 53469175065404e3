"""``python -m api`` runs the revledger CLI."""

from api.cli import main

main()
