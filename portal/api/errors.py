"""How the API answers a service's refusal, in one place for every endpoint.

Services raise Django's ValidationError (Vietnamese messages, by field) and
PermissionDenied; the API answers 400 with the same messages and 403 with the message,
so viewsets call services without wrapping each call.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field: messages
                 for field, messages in exc.message_dict.items()})
        else:
            exc = serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def validated(serializer_class, request, **kwargs) -> dict:
    """The request's data checked by `serializer_class` (400 with its messages if not)."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
