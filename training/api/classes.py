"""API of the training classes area."""

urlpatterns = []


def register(router):
    pass
