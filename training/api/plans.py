"""API of the training plans area."""

urlpatterns = []


def register(router):
    pass
