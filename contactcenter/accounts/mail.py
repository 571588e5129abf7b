"""Every e-mail the product sends, each by a Celery task: never inside a web request or a
management command, so a slow or absent mail server holds up no page and loses no mail.

An invitation is accepted work (contactcenter/relay.py): `schedule_invitation_mail` stores, in
the invitation's own transaction, the link's raw token (encrypted) and the time the mail is due;
the task is queued after commit, claims the row by that time, sends, and erases the token. Lost
broker messages and failed sends are woken again by the relay at `mail_next_attempt_at`. A
worker killed between the SMTP server's answer and the write that records it sends that mail
again later: twice rather than never.

A password-reset mail carries no row: its link is made from the account's current state when
the task runs (Django's token generator), and a lost one is asked for again on the same page.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from contactcenter import relay
from contactcenter.realtime.publish import enqueue_on_commit

from .models import Invitation, Role, User

logger = logging.getLogger(__name__)

# Tasks are queued by name: the services composing this module do not import their tasks.
SEND_INVITATION = "accounts.send_invitation_email"
SEND_PASSWORD_RESET = "accounts.send_password_reset_email"
# Sends tried before an invitation mail is given up (the admin can invite again): half a day
# of a mail server that refuses, with the backoff below.
MAX_INVITATION_ATTEMPTS = 10
MAX_RETRY_INTERVAL = timedelta(hours=4)
PASSWORD_RESET_SUBJECT = "accounts/password_reset_subject.txt"
PASSWORD_RESET_BODY = "accounts/password_reset_email.txt"


def invitation_link(raw_token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/accounts/invitations/{raw_token}/"


def schedule_invitation_mail(invitation: Invitation, raw_token: str) -> None:
    """Composed inside the transaction that creates the invitation; the caller saves nothing."""
    invitation.link_token = raw_token
    invitation.mail_next_attempt_at = relay.first_wakeup_at()
    invitation.save(update_fields=["link_token", "mail_next_attempt_at"])
    enqueue_on_commit(current_app.signature(SEND_INVITATION), invitation.pk)


def invitation_message(invitation: Invitation) -> tuple[str, str]:
    """Subject and body, in the company's language."""
    with translation.override(invitation.tenant.default_language):
        values = {
            "company": invitation.tenant.name,
            "role": Role(invitation.role).label,
            "inviter": invitation.invited_by.email if invitation.invited_by else "",
            "days": (invitation.expires_at - invitation.created_at).days,
            "link": invitation_link(invitation.link_token),
        }
        subject = _("You are invited to %(company)s") % values
        invited = (
            _("%(inviter)s invited you to %(company)s as %(role)s.")
            if values["inviter"]
            else _("You are invited to %(company)s as %(role)s.")
        ) % values
        accept = _("Accept within %(days)s days (the link works once):") % values
        return subject, f"{invited}\n\n{accept}\n{values['link']}\n"


def send_invitation_mail(invitation_id: int) -> str:
    """The task's work; returns what happened (sent, retry, failed, settled, skipped)."""
    now = timezone.now()
    # Claimed until the task's hard time limit has surely passed: only then may the relay
    # give the mail to another worker.
    lease = now + 2 * relay.redrive_after() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    due = Invitation.objects.filter(
        pk=invitation_id, mail_sent_at__isnull=True, mail_next_attempt_at__lte=relay.due_by(now)
    )
    if not due.update(mail_next_attempt_at=lease, mail_attempts=F("mail_attempts") + 1):
        return "skipped"  # sent already, claimed by another worker, or its retry is not due
    invitation = Invitation.objects.select_related("tenant", "invited_by").get(pk=invitation_id)
    row = Invitation.objects.filter(pk=invitation_id)
    if not invitation.is_pending or not invitation.link_token:
        row.update(mail_next_attempt_at=None, link_token="")
        return "settled"  # accepted, revoked or expired before its mail went out
    subject, body = invitation_message(invitation)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(invitation, exc, now)
    row.update(mail_sent_at=timezone.now(), mail_next_attempt_at=None, link_token="")
    logger.info("invitation %s: e-mail sent", invitation_id)
    return "sent"


def _failed(invitation: Invitation, exc: Exception, now: datetime) -> str:
    """A refused address never gets better; anything else (server down, busy, login refused
    until the operator fixes EMAIL_URL) is tried again later, each wait twice the last."""
    row = Invitation.objects.filter(pk=invitation.pk)
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
    if permanent or invitation.mail_attempts >= MAX_INVITATION_ATTEMPTS:
        row.update(mail_next_attempt_at=None, link_token="")
        logger.error(
            "invitation %s: e-mail to %s given up after %s attempts: %s",
            invitation.pk,
            invitation.email,
            invitation.mail_attempts,
            exc,
        )
        return "failed"
    # Past relay.due_by from the first (4 wake-up intervals), so a stale wake-up skips it.
    wait = min(relay.redrive_after() * 2 ** (invitation.mail_attempts + 1), MAX_RETRY_INTERVAL)
    row.update(mail_next_attempt_at=now + wait)
    logger.warning("invitation %s: e-mail not sent (%s); next try in %s", invitation.pk, exc, wait)
    return "retry"


def redrive_invitation_mails(now: datetime) -> int:
    unsent = Invitation.objects.filter(
        mail_sent_at__isnull=True, mail_next_attempt_at__isnull=False
    )
    return relay.wake_due(
        unsent, task=current_app.signature(SEND_INVITATION), now=now, field="mail_next_attempt_at"
    )


def schedule_password_reset_mail(user: User) -> None:
    """Queued with the language the person asked in (the mail is written in it)."""
    enqueue_on_commit(
        current_app.signature(SEND_PASSWORD_RESET), user.pk, translation.get_language()
    )


def send_password_reset_mail(user_id: int, language: str) -> str:
    """Not retried: a failed one is logged, and the person asks again on the same page."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "skipped"
    base = urlsplit(settings.PUBLIC_BASE_URL)
    context = {
        "email": user.email,
        "domain": base.netloc,
        "protocol": base.scheme,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "user": user,
    }
    with translation.override(language):
        subject = "".join(render_to_string(PASSWORD_RESET_SUBJECT, context).splitlines())
        body = render_to_string(PASSWORD_RESET_BODY, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return "sent"
