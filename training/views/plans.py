"""Pages of the training plans area (built by its issue)."""

urlpatterns = []
