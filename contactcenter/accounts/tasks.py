from celery import shared_task

from . import idempotency, mail


@shared_task(name="accounts.sweep_idempotent_requests")
def sweep_idempotent_requests() -> int:
    return idempotency.sweep_idempotent_requests()


@shared_task(name="accounts.send_invitation_email")
def send_invitation_email(invitation_id: int) -> str:
    return mail.send_invitation_mail(invitation_id)


@shared_task(name="accounts.send_password_reset_email")
def send_password_reset_email(user_id: int, language: str) -> str:
    return mail.send_password_reset_mail(user_id, language)
