"""{% certificate_status training_class as status %}: the issuance state of a class, for
the "Cấp giấy chứng nhận" block of its page (one aggregate query)."""

from django import template

from training.selectors.certificates import issuance_status

register = template.Library()


@register.simple_tag
def certificate_status(training_class):
    return issuance_status(training_class)
