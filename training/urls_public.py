"""What anyone may open, signed in or not: a certificate's verification page."""

from training.views import certificates

urlpatterns = certificates.public_urlpatterns
