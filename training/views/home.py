"""Pages of the training home area (built by its issue)."""

urlpatterns = []
