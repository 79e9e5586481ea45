from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PersonAwareModelBackend(ModelBackend):
    """Django's backend, loading the signed-in user's person record in the same query, so
    every page can show his name (`User.display_name`) at no extra cost."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
