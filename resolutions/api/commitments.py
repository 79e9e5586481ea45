"""API of the commitments area: `register(router)` adds its viewsets; `urlpatterns` holds extra routes."""

urlpatterns = []


def register(router) -> None:
    """Add this area's viewsets to the shared router."""
