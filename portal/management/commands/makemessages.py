"""makemessages without fuzzy matching: a guessed translation of a new string is worse
than none (the translations test then names the string that needs one)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
