"""State changes of the documents area."""
