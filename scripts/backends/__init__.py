"""Newsletter backends: where an email edition goes (outbox/ or Mailchimp)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from scripts.backends.base import BackendError

ENV_VARS = (
    "MAILCHIMP_API_KEY",
    "MAILCHIMP_AUDIENCE_ID",
    "MAILCHIMP_API_URL",
    "MAILCHIMP_SETTLE_SECONDS",
)
AUDIENCE_MISSING = (
    "MAILCHIMP_AUDIENCE_ID is not set: MAILCHIMP_API_KEY is, so publishing goes to Mailchimp "
    "and needs the audience to send to. Add MAILCHIMP_AUDIENCE_ID=<id> to .env (Mailchimp → "
    "Audience → Settings → Audience name and defaults → Audience ID), see .env.example; or "
    "remove MAILCHIMP_API_KEY to use the outbox."
)


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


def mailchimp_env_problems(env: Mapping[str, str]) -> list[str]:
    """Every problem with the MAILCHIMP_* variables at once, each with its fix."""
    from scripts.backends.mailchimp_client import key_problem

    problems = []
    key = key_problem(env.get("MAILCHIMP_API_KEY") or "")
    if key:
        problems.append(key)
    if not (env.get("MAILCHIMP_AUDIENCE_ID") or "").strip():
        problems.append(AUDIENCE_MISSING)
    elif any(c.isspace() or c in "/?#" for c in env["MAILCHIMP_AUDIENCE_ID"].strip()):
        problems.append(
            "MAILCHIMP_AUDIENCE_ID is not an audience id (it holds spaces or URL characters): copy "
            "the id from Mailchimp → Audience → Settings → Audience name and defaults into .env."
        )
    url = (env.get("MAILCHIMP_API_URL") or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                f"MAILCHIMP_API_URL is {url!r}, not an http(s) URL: remove it from .env (it is only "
                "for tests; the data centre comes from the key) or write https://<host>/3.0."
            )
    _settle, settle_problem = settle_seconds(env)
    if settle_problem:
        problems.append(settle_problem)
    return problems


def settle_seconds(env: Mapping[str, str]) -> tuple[float, str | None]:
    """MAILCHIMP_SETTLE_SECONDS (default 15): how long a run waits before it decides that its
    campaign is the one to send (two machines publishing at once; docs/publishing.md)."""
    from scripts.backends.mailchimp import DEFAULT_SETTLE

    raw = (env.get("MAILCHIMP_SETTLE_SECONDS") or "").strip()
    if not raw:
        return DEFAULT_SETTLE, None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 600:
        return DEFAULT_SETTLE, (
            f"MAILCHIMP_SETTLE_SECONDS is {raw!r}: write a number of seconds from 0 to 600 in .env "
            f"(or remove it for the default {DEFAULT_SETTLE:g})."
        )
    return value, None


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
    problems = mailchimp_env_problems(env)
    if problems:
        raise BackendError(
            problems[0]
            if len(problems) == 1
            else "the Mailchimp settings in .env need fixing:\n  - " + "\n  - ".join(problems)
        )
    audience_id = env["MAILCHIMP_AUDIENCE_ID"].strip()
    from scripts.backends.mailchimp import MailchimpBackend

    return MailchimpBackend(
        api_key=env["MAILCHIMP_API_KEY"].strip(),
        audience_id=audience_id,
        api_url=(env.get("MAILCHIMP_API_URL") or "").strip() or None,
        from_name=newsletter_cfg["FROM_NAME"],
        reply_to=newsletter_cfg["REPLY_TO"],
        log=log,
        settle=settle_seconds(env)[0],
    )


def check_backend(
    newsletter_cfg: Mapping, env: Mapping[str, str], *, siteurl: str = ""
) -> list[str]:
    """Every problem of the backend the environment asks for, without sending anything:
    each MAILCHIMP_* problem, then whether Mailchimp answers (DNS, refused, timeout named),
    takes the key and knows the audience; for the outbox, its settings and folder."""
    if backend_name(env) == "outbox":
        return make_backend(newsletter_cfg, env, siteurl=siteurl).check()
    from scripts.backends.mailchimp import MailchimpBackend
    from scripts.backends.mailchimp_client import key_problem

    problems = mailchimp_env_problems(env)
    url_bad = any(p.startswith("MAILCHIMP_API_URL") for p in problems)
    if key_problem(env.get("MAILCHIMP_API_KEY") or "") or url_bad:
        return problems  # nothing to ask Mailchimp with
    backend = MailchimpBackend(
        api_key=env["MAILCHIMP_API_KEY"],
        audience_id=(env.get("MAILCHIMP_AUDIENCE_ID") or "").strip(),
        api_url=(env.get("MAILCHIMP_API_URL") or "").strip() or None,
        from_name=newsletter_cfg["FROM_NAME"],
        reply_to=newsletter_cfg["REPLY_TO"],
    )
    return problems + backend.check()
