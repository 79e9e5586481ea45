"""Search that finds documents as people name them: a diacritic-free `search_text` on documents
and themes, its full-text vector as a stored generated column, a GIN index on each and a
trigram index on the text."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from resolutions.models import search_text


def fill_search_text(apps, schema_editor):
    Document = apps.get_model("resolutions", "Document")
    Theme = apps.get_model("resolutions", "Theme")
    for document in Document.objects.only("number_symbol", "title", "summary", "issuing_body"):
        document.search_text = search_text(document.number_symbol, document.title, document.summary,
                                           document.issuing_body)
        document.save(update_fields=["search_text"])
    for theme in Theme.objects.only("title", "summary"):
        theme.search_text = search_text(theme.title, theme.summary)
        theme.save(update_fields=["search_text"])


def search_vector():
    return models.GeneratedField(
        db_persist=True, expression=django.contrib.postgres.search.SearchVector("search_text", config="simple"),
        output_field=django.contrib.postgres.search.SearchVectorField())


class Migration(migrations.Migration):

    dependencies = [
        ("resolutions", "0004_attendance_refused_scan_at"),
    ]

    operations = [
        migrations.AddField(model_name="document", name="search_text",
                            field=models.TextField(default="", editable=False)),
        migrations.AddField(model_name="theme", name="search_text", field=models.TextField(default="", editable=False)),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.AddField(model_name="document", name="search_vector", field=search_vector()),
        migrations.AddField(model_name="theme", name="search_vector", field=search_vector()),
        migrations.AddIndex(
            model_name="document",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="document_search_fts"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_text"], name="document_search_text_trgm",
                                                           opclasses=["gin_trgm_ops"]),
        ),
        migrations.AddIndex(
            model_name="theme",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="theme_search_fts"),
        ),
        migrations.AddIndex(
            model_name="theme",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_text"], name="theme_search_text_trgm",
                                                           opclasses=["gin_trgm_ops"]),
        ),
    ]
