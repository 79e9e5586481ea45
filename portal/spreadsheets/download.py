"""A format's template as a download, for the page and the API alike."""

import io

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from portal.spreadsheets import imports

# XLSX's content type: the template, the rejected rows, the exports, the upload form's accept list.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_response(fmt) -> HttpResponse:
    """The file to fill ("Mẫu nhập - Danh sách đảng viên.xlsx"): Vietnamese headers, an example row."""
    stream = io.BytesIO()
    imports.write_template(fmt.code, stream)
    response = HttpResponse(stream.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("Mẫu nhập - %(label)s.xlsx") % {"label": fmt.label})
    response["X-Content-Type-Options"] = "nosniff"
    return response
