"""Tests of bot.store: a real SQLite file per test, migrated by open_database."""
