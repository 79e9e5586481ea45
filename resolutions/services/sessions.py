"""State changes of the sessions area."""
