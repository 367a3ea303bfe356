"""The relational store: tables, migrations, bulk I/O and the unit of work."""
