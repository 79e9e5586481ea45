"""API of the training lecturers area."""

urlpatterns = []


def register(router):
    pass
