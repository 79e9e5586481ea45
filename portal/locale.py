"""Vietnamese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC set
up in English would show the portal in English. Here only the language switch (its
cookie) changes the language; everyone else gets LANGUAGE_CODE.
"""

from django.middleware.locale import LocaleMiddleware


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
