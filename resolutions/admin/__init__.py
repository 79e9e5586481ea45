"""Admin of the resolutions app: each area registers its models in its own module."""

from resolutions.admin import commitments, documents, sessions  # noqa: F401
