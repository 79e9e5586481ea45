"""API of the training certificates area."""

urlpatterns = []


def register(router):
    pass
