"""Pages of the training lecturers area (built by its issue)."""

urlpatterns = []
