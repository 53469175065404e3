"""The read side of revledger: read models in their own SQLite file, fed from the notification log."""
