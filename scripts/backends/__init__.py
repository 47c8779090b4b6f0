"""Newsletter backends: where an email edition goes (outbox/ or Mailchimp)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from scripts.backends.base import BackendError

ENV_VARS = ("MAILCHIMP_API_KEY", "MAILCHIMP_AUDIENCE_ID", "MAILCHIMP_API_URL")


def read_env(root: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment, completed (never overridden) by ROOT/.env.

    Read when a command needs it, never at import, so secrets stay out of
    module state; os.environ itself is left untouched.
    """
    environ = os.environ if environ is None else environ
    merged: dict[str, str] = {}
    env_file = Path(root) / ".env"
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)
    return merged


def backend_name(env: Mapping[str, str]) -> str:
    """ "mailchimp" when MAILCHIMP_API_KEY is set (non-empty), else "outbox"."""
    return "mailchimp" if (env.get("MAILCHIMP_API_KEY") or "").strip() else "outbox"


def make_backend(newsletter_cfg: Mapping, env: Mapping[str, str], *, siteurl: str = "", log=None):
    """Build the backend the environment asks for.

    newsletter_cfg is the validated NEWSLETTER dict (connected.newsletter_settings).
    Without MAILCHIMP_API_KEY (unset or empty) the outbox is used; with it,
    Mailchimp, which also needs MAILCHIMP_AUDIENCE_ID.
    """
    if backend_name(env) == "outbox":
        from scripts.backends.outbox import OutboxBackend

        return OutboxBackend(
            outbox_path=Path(newsletter_cfg["OUTBOX_PATH"]),
            from_name=newsletter_cfg["FROM_NAME"],
            from_email=newsletter_cfg["FROM_EMAIL"],
            reply_to=newsletter_cfg["REPLY_TO"],
            postal_address=newsletter_cfg.get("POSTAL_ADDRESS", ""),
            siteurl=siteurl,
            unsubscribe_url=newsletter_cfg.get("UNSUBSCRIBE_URL", ""),
        )
    audience_id = (env.get("MAILCHIMP_AUDIENCE_ID") or "").strip()
    if not audience_id:
        raise BackendError(
            "MAILCHIMP_AUDIENCE_ID is not set: MAILCHIMP_API_KEY is, so publishing goes to Mailchimp "
            "and needs the audience to send to. Add MAILCHIMP_AUDIENCE_ID=<id> to .env (Mailchimp → "
            "Audience → Settings → Audience name and defaults → Audience ID), see .env.example; or "
            "remove MAILCHIMP_API_KEY to use the outbox."
        )
    from scripts.backends.mailchimp import MailchimpBackend

    return MailchimpBackend(
        api_key=env["MAILCHIMP_API_KEY"].strip(),
        audience_id=audience_id,
        api_url=(env.get("MAILCHIMP_API_URL") or "").strip() or None,
        from_name=newsletter_cfg["FROM_NAME"],
        reply_to=newsletter_cfg["REPLY_TO"],
        log=log,
    )
