"""State changes of the commitments area."""
