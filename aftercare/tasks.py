"""The after-licence tasks: thin, registered wrappers (imports inside)."""

from services.tasks import task


@task
def send_reminder_email(*, notification_id: int) -> None:
    """The e-mail copy of a licence reminder (it links to the inbox, as it concerns no case)."""
    from django.conf import settings
    from django.core.mail import send_mail

    from licensing.models import Notification

    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if notification.user.email:
        send_mail(notification.subject, f"{notification.body}\n\n{settings.TONGBAN_SITE_URL}/notifications/", None,
                  [notification.user.email])
