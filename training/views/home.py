"""The training staff's home (/training/) and the external result of a person, recorded
from his training record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal import selectors as core
from training.forms.external import ExternalResultForm
from training.models import TrainingPlan
from training.selectors import home as selectors
from training.services import external as services


@login_required
@require_GET
def training_home(request):
    """What the training staff and the approving committees have to do today."""
    if not selectors.has_training_home(request.user):
        raise Http404
    return render(request, "training/home/home.html", {
        **selectors.training_home(request.user, timezone.localdate()), "submitted_status": TrainingPlan.Status.SUBMITTED})


@login_required
@require_http_methods(["GET", "POST"])
def external_result_create(request, pk):
    """Record a trung cấp or cao cấp result of a person (who may update his record or train
    at his unit); the form sits on his training record, errors come back on this page."""
    person = core.person_by_id(request.user, pk)
    if not services.may_record(request.user, person):
        raise PermissionDenied
    form = ExternalResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.record_external_result(user=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            person.refresh_from_db(fields=["theory_level"])
            messages.success(request, _("Đã ghi kết quả %(program)s của %(name)s; trình độ lý luận chính trị: "
                                        "%(level)s.") % {"program": result.class_type.name, "name": person.full_name,
                                                         "level": person.theory_level.name if person.theory_level
                                                         else "—"})
            return redirect(f"{reverse('person_detail', args=[person.pk])}#training-record")
    return render(request, "training/person/external_form.html", {"person": person, "form": form},
                  status=400 if form.errors else 200)


urlpatterns = [
    path("", training_home, name="training_home"),
    path("people/<int:pk>/external-results/", external_result_create, name="training_external_result_create"),
]
