from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render


def healthz(request):
    """Database and broker both answer, or 503."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from portal.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@login_required
def dashboard(request):
    return render(request, "portal/dashboard.html", {})


@login_required
def unit_tree(request):
    raise Http404


@login_required
def unit_detail(request, code):
    raise Http404


@login_required
def unit_children(request, code):
    raise Http404


@login_required
def person_list(request):
    raise Http404


@login_required
def person_detail(request, pk):
    raise Http404
