"""Reads of the sessions area, always through portal.access."""
