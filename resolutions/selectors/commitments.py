"""Reads of the commitments area, always through portal.access."""
