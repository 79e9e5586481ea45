"""Pages of the certificates area: the list (filters org, year, class, revoked), one
certificate with its PDF and revocation, issuing a class's certificates (a job), and the
public verification page (anyone, rate-limited per IP, only the five public facts)."""

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import Action, get_visible_or_404, may
from portal.files import download_url
from portal.pagination import CachedCountPaginator
from portal.spreadsheets.export import export_view
from training.filters import certificate_filters
from training.models import TrainingClass
from training.selectors import certificates as selectors
from training.services import certificates as services

PAGE_SIZE = 30
RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do thu hồi"), max_length=services.REVOKE_REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                             error_messages={"required": gettext_lazy("Phải ghi lý do thu hồi giấy chứng nhận.")})


def _forbidden(request, message, back):
    return render(request, "training/certificates/forbidden.html", {"message": message, "back": back}, status=403)


@login_required
@require_GET
def certificate_list(request):
    f = certificate_filters(request.user, request.GET)
    certificates = selectors.certificate_list(request.user, unit=f.unit, year=f.year, class_id=f.class_id,
                                              revoked=f.revoked)
    page = CachedCountPaginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(request, "training/certificates/list.html", {
        "page": page, "units": f.units, "unit": f.unit, "year": f.year, "years": range(this_year, this_year - 6, -1),
        "revoked": request.GET.get("revoked", ""), "training_class": f.training_class, "filtered": f.filtered})


@login_required
@require_GET
def certificate_detail(request, pk):
    certificate = selectors.certificate_by_id(request.user, pk)
    return render(request, "training/certificates/detail.html", {
        "certificate": certificate, "form": RevokeForm(),
        **_detail_context(request, certificate)})


def _detail_context(request, certificate) -> dict:
    return {
        "may_revoke": certificate.valid and may(request.user, Action.TRAIN, certificate.organizer),
        "pdf_url": download_url("certificate", certificate) if certificate.pdf else "",
        "verify_url": services.verification_url(certificate, request.build_absolute_uri("/")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request, pk):
    certificate = selectors.certificate_by_id(request.user, pk)
    if not may(request.user, Action.TRAIN, certificate.organizer):
        return _forbidden(request, _("Chỉ cán bộ đào tạo của %(unit)s mới thu hồi được giấy chứng nhận này.")
                          % {"unit": certificate.organizer.name}, certificate)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke(certificate, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Đã thu hồi giấy chứng nhận số %(number)s.")
                             % {"number": certificate.register_number})
            return redirect("training_certificate_detail", pk)
    return render(request, "training/certificates/revoke.html", {"certificate": certificate, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def class_issue_certificates(request, pk):
    """"Cấp giấy chứng nhận": a background job, followed on its page."""
    training_class = get_visible_or_404(TrainingClass.objects.select_related("organizer", "class_type"),
                                        request.user, pk=pk)
    if not may(request.user, Action.TRAIN, training_class.organizer):
        return _forbidden(request, _("Chỉ cán bộ đào tạo của %(unit)s mới cấp được giấy chứng nhận của lớp này.")
                          % {"unit": training_class.organizer.name}, None)
    try:
        job = services.start_issuing(by=request.user, training_class=training_class,
                                     base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training_class_detail", pk)
    return redirect("job_detail", job.pk)


# --- Public verification ---------------------------------------------------------------------


def _rate() -> tuple[int, int]:
    """CERTIFICATE_VERIFY_RATE "30/m": (requests, seconds)."""
    count, _slash, unit = settings.CERTIFICATE_VERIFY_RATE.partition("/")
    return int(count), RATE_UNITS[unit[:1] or "m"]


def _over_limit(request) -> bool:
    """A sliding window per IP in the shared cache (Redis), so every web process counts
    together: this window's requests plus the previous window's, weighted by how much of it
    still lies within the last `seconds` (a burst across a window's edge is still one burst).
    The IP is read as the login lockout reads it (django-axes: AXES_PROXY_COUNT proxies trusted)."""
    limit, seconds = _rate()
    now = timezone.now().timestamp()
    window = int(now) // seconds
    prefix = f"certificate-verify:{get_client_ip_address(request) or ''}"
    key = f"{prefix}:{window}"
    cache.add(key, 0, timeout=2 * seconds + 1)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the window's first request
        cache.add(key, 1, timeout=2 * seconds + 1)
        current = 1
    previous = cache.get(f"{prefix}:{window - 1}", 0)
    still_counted = 1 - (now - window * seconds) / seconds
    return current + previous * still_counted > limit


@require_GET
def certificate_verify(request, code):
    """Anyone, signed in or not, the same five facts; 404 for an unknown code."""
    if _over_limit(request):
        response = render(request, "training/certificates/too_many.html", status=429)
        response["Retry-After"] = str(_rate()[1])
    else:
        facts = selectors.public_facts(code)
        response = render(request, "training/certificates/verify.html", {"facts": facts})
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


urlpatterns = [
    path("certificates/", certificate_list, name="training_certificate_list"),
    path("certificates/export.<sheet:ext>", export_view("certificates"), name="training_certificate_list_export"),
    path("certificates/<int:pk>/", certificate_detail, name="training_certificate_detail"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="training_certificate_revoke"),
    path("classes/<int:pk>/certificates/issue/", class_issue_certificates, name="training_class_issue_certificates"),
]
public_urlpatterns = [
    path("verify/<str:code>/", certificate_verify, name="certificate_verify"),
]
