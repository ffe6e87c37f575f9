"""All SQL of the project: the connection and migrations (db.py) and queries by topic."""
