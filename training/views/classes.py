"""Pages of the training classes area (built by its issue)."""

urlpatterns = []
