"""Outgoing e-mail over SMTP (aiosmtplib). Without SMTP configured, messages go to the log
so a self-hoster can still follow verification, reset and invitation links."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from atrium.kit.logging import get_logger
from atrium.settings import Settings

_log = get_logger("atrium.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    link: str | None = None


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return self._settings.smtp_host is not None

    async def send(self, mail: Mail) -> None:
        s = self._settings
        if s.smtp_host is None:
            # Deliberate: with no SMTP server the log is the only way the link reaches anyone.
            _log.warning(
                "mail_not_sent_smtp_unconfigured", to=mail.to, subject=mail.subject, link=mail.link
            )
            return
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=s.smtp_timeout_seconds,
        )
        _log.info("mail_sent", subject=mail.subject)
