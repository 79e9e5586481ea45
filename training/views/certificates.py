"""Pages of the training certificates area (built by its issue)."""

urlpatterns = []
public_urlpatterns = []
