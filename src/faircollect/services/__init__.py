"""Use cases: the only layer that opens transactions (through the unit-of-work port)."""
