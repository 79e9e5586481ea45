"""Reads of the documents area, always through portal.access."""
