"""Pages of the training targets area (built by its issue)."""

urlpatterns = []
