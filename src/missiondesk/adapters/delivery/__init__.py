"""The real ways out for alerts, each a `services.channels.Channel`: e-mail through an SMTP server, and a signed
webhook. Config builds them from its settings; the worker only sees `Channel`."""
from missiondesk.adapters.delivery.smtp import SmtpChannel, SmtpUrlInvalid, parse_smtp_url
from missiondesk.adapters.delivery.webhook import WebhookChannel, sign, verify

__all__ = ["SmtpChannel", "SmtpUrlInvalid", "WebhookChannel", "parse_smtp_url", "sign", "verify"]
