"""Pages of the documents area. Its helper fills this module; `urlpatterns` is collected by resolutions/urls.py."""

urlpatterns = []
