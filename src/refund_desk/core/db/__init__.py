"""Database backends of the desk (the embedded SQLite default, with one change)."""
