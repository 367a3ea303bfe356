"""Adapters: the database, files, channels and the clock, behind the services' ports."""
