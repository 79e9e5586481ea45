"""API of the training targets area."""

urlpatterns = []


def register(router):
    pass
