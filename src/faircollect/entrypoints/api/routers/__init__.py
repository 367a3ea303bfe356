"""One router per concept."""
