"""The Mailchimp client: one API call made safely, for publishing and for `make stats`.

`MailchimpClient` is the official `mailchimp-marketing` client with the rules every caller
needs, so that the campaign lifecycle (scripts/backends/mailchimp.py) and the reach report
(scripts/stats.py) talk to Mailchimp the same way:

- Transport quirks. The official client raises `ApiClientError` with `status_code=None` for
  transport errors, hands problem+json bodies over as a JSON *string*, and *returns* a
  `requests.Response` for empty-body answers — the 204 of every action, but also an
  empty-bodied 500. A 2xx whose body is not the JSON we asked for (cut short by a dropped
  connection, or a proxy's HTML page) is treated like a dropped connection, never as
  "nothing there". Every failure becomes one `CallFailed`.
- Retries. A 429 (or the bare 403 Mailchimp gives under heavy throttling) means nothing
  happened, so any call is retried with exponential backoff and jitter (Retry-After honoured
  when present). A call marked idempotent (reads, the content PUT, a delete) is also retried
  on 5xx and transport errors. Others (create, send, schedule) are never repeated blindly:
  their caller re-reads the remote state instead.
- Messages. `error()` turns a final `CallFailed` into the `BackendError` the writer reads
  (401: the key is rejected, …); `key_problem()` and `transport_problem()` name what is wrong
  with the key or the connection. The API key never appears in them (connected/secrets.py).
- Paging. `pages()` walks a list endpoint 1000 items at a time.

`call()` raises `CallFailed` for a caller that decides by the failure (a 404 that means
"gone", an unknown outcome to look up); `call_or_stop()` raises the writer's `BackendError`.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import requests
from mailchimp_marketing import Client
from mailchimp_marketing.api_client import ApiClientError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from connected.secrets import scrub
from scripts.backends.base import BackendError

LOG = logging.getLogger(__name__)

PAGE_SIZE = 1000  # the most a list endpoint returns at once (the client refuses more)
# A key is "<32 hex>-<data centre>", e.g. "…-us21"; the data centre names the API host.
KEY_PATTERN = re.compile(r"^[0-9A-Za-z]+-([a-z]{2,}[0-9]+)$")
FIX_KEY = "check MAILCHIMP_API_KEY in .env"


def _page_words(text: str) -> str | None:
    """An HTML page's title (or its first words); None when `text` is not an HTML page.
    Only the first 20 000 characters are looked at: it is someone else's page."""
    text = text[:20000]
    if "<" not in text or not re.search(r"<(html|body|head|title)\b", text, re.I):
        return None
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    words = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    return " ".join(words.split())[:120]


def _summary(text: str) -> str:
    """A non-JSON error body in a few words: a proxy's HTML page becomes its title."""
    words = _page_words(text)
    if words is not None:
        return f"an HTML error page ({words!r}), not Mailchimp's own answer: a proxy or gateway"
    return " ".join(text.split())[:300]


def key_problem(api_key: str) -> str | None:
    """What is wrong with MAILCHIMP_API_KEY, with the fix; None when it looks right.
    Never echoes the key: it is a password."""
    api_key = (api_key or "").strip()
    if not api_key:
        return "MAILCHIMP_API_KEY is not set: add it to .env (see docs/mailchimp.md)"
    if not KEY_PATTERN.match(api_key):
        return (
            "MAILCHIMP_API_KEY does not look like a Mailchimp API key: expected "
            "'<key>-<data centre>' such as '…-us21' (copy it again from Mailchimp › "
            "Account › Extras › API keys into .env)"
        )
    return None


def error_chain(err: BaseException | None) -> list[BaseException]:
    """`err` and every exception it wraps: the client wraps the requests exception, which
    wraps urllib3's, which wraps the socket error (args, .reason, __cause__, __context__)."""
    seen: list[BaseException] = []
    todo = [err] if isinstance(err, BaseException) else []
    while todo:
        exc = todo.pop(0)
        if exc in seen:
            continue
        seen.append(exc)
        linked = [*exc.args, getattr(exc, "reason", None), exc.__cause__, exc.__context__]
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return seen


def is_timeout(err: BaseException | None) -> bool:
    """Whether a timeout is anywhere in the chain: the request may still be worked on."""
    return any(isinstance(e, requests.Timeout | socket.timeout | TimeoutError) for e in error_chain(err))


def transport_problem(err: BaseException | None, url: str, timeout: float | None) -> str:
    """Name what kept an HTTP answer from arriving: DNS, a refused connection, a timeout, TLS."""
    parts = urlsplit(url)
    host = parts.hostname or url
    where = f"{host}:{parts.port}" if parts.port else host
    seen = error_chain(err)
    names = {type(e).__name__ for e in seen}

    def has(*kinds) -> bool:
        return any(isinstance(e, kinds) for e in seen)

    seconds = f" {timeout:g} s" if timeout else ""
    if has(socket.gaierror) or "NameResolutionError" in names:
        return (
            f"the DNS lookup of {host} failed (no such host, or no DNS on this network): check "
            "the data-centre suffix of MAILCHIMP_API_KEY (…-us21), MAILCHIMP_API_URL if set, "
            "and your network"
        )
    if has(ConnectionRefusedError):
        return (
            f"{where} refused the connection (nothing listens there): check MAILCHIMP_API_URL "
            "if set, or a proxy/firewall in between"
        )
    if has(requests.ConnectTimeout):
        return f"connecting to {where} timed out after{seconds}: check your network or proxy"
    if has(requests.Timeout, socket.timeout, TimeoutError):
        return (
            f"{where} accepted the connection but sent no answer within{seconds} (timeout): "
            "check https://status.mailchimp.com and your network"
        )
    if has(requests.exceptions.SSLError):
        return (
            f"the TLS handshake with {where} failed: check the system clock, proxy and certificates"
        )
    return f"the connection to {where} failed or was dropped ({type(err).__name__})"


class CallFailed(Exception):
    """One Mailchimp call failed; `status` is None when no HTTP answer arrived.

    Never shown to the writer as it is: a caller decides by it (404: gone; an unknown
    outcome: look the campaign up) or turns it into a BackendError with
    `MailchimpClient.error`, so it is not a ConnectedError."""

    def __init__(
        self,
        what: str,
        status: int | None,
        title: str = "",
        detail: str = "",
        errors: list | None = None,
        retry_after: float | None = None,
        timeout: bool = False,
        throttled: bool = False,
    ):
        super().__init__(what)
        self.what = what
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.retry_after = retry_after
        self.timeout = timeout
        # Under heavy throttling Mailchimp answers a bare 403 (no body) instead of a 429:
        # nothing happened, so it is retried like a 429.
        self.throttled = throttled or status == 429

    @property
    def unknown_outcome(self) -> bool:
        """Mailchimp may or may not have acted: no answer, or a server error."""
        return self.status is None or self.status >= 500

    def describe(self) -> str:
        if self.status is None:
            return f"no answer from Mailchimp ({self.detail})"
        text = f"Mailchimp answered {self.status}"
        if self.title:
            text += f" {self.title}"
        if self.detail:
            # Mailchimp's details end with a full stop; callers add their own punctuation.
            text += f": {self.detail.rstrip('.')}"
        fields = "; ".join(
            f"{e.get('field') or '?'}: {e.get('message', '')}"
            for e in self.errors
            if isinstance(e, dict)
        )
        return f"{text} ({fields})" if fields else text

    def __str__(self) -> str:
        return f"{self.what}: {self.describe()}"


class MailchimpClient(Client):
    """The official client, aimed at the key's data centre (or `api_url`), with our retry
    policy and messages (see the module docstring).

    Its endpoint groups (`campaigns`, `lists`, `reports`, `ping`, …) are the official
    client's; pass their methods to `call`. One instance keeps the headers of its last
    answer between two calls (a 429's Retry-After): use one instance per thread.
    """

    def __init__(
        self,
        api_key: str,
        *,
        api_url: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        log: logging.Logger | None = None,
    ):
        api_key = (api_key or "").strip()
        problem = key_problem(api_key)
        if problem:
            raise BackendError(problem)
        self._key = api_key
        self.data_centre = KEY_PATTERN.match(api_key).group(1)
        self.timeout = timeout
        self.max_attempts = max(max_attempts, 1)
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._sleep = sleep
        self.log = log or LOG
        super().__init__({"api_key": api_key, "timeout": timeout})
        api = self.api_client
        api.host = (api_url or f"https://{self.data_centre}.api.mailchimp.com/3.0").rstrip("/")
        # The client replaces every "server" in the URL (host included) by its `server`
        # setting; our host is final already, so switch that off.
        api.server = ""
        self._last_headers = None
        self.request_count = 0
        original_request = api.request

        def counting_request(*args, **kwargs):
            # Counted for the call budget; headers kept because ApiClientError drops
            # them and a 429's Retry-After lives there.
            self.request_count += 1
            response = original_request(*args, **kwargs)
            self._last_headers = response.headers  # case-insensitive
            return response

        api.request = counting_request

    @property
    def host(self) -> str:
        """The API's base URL, e.g. https://us21.api.mailchimp.com/3.0."""
        return self.api_client.host

    def wait(self, seconds: float) -> None:
        """Sleep, through the `sleep` given to the constructor (tests record the waits)."""
        (self._sleep or time.sleep)(seconds)

    # ------------------------------------------------------------------ calls
    def call(
        self,
        what: str,
        fn,
        *args,
        idempotent: bool,
        answer: bool = True,
        attempts: int | None = None,
        **kwargs,
    ):
        """Call `fn` (a method of this client's endpoint groups) with our retry policy.

        `what` names the call in messages ("reading campaign abc"). `idempotent`: repeating
        it changes nothing, so 5xx and transport errors are retried too. `answer`: the call
        must return a JSON object (reads, create, PUT, PATCH); actions (send, schedule,
        test, delete) answer 204 with no body and return None. Raises CallFailed when it
        gives up."""

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, CallFailed):
                return False
            return exc.throttled or (idempotent and exc.unknown_outcome)

        jitter = wait_random_exponential(multiplier=self.backoff, max=self.backoff_max)

        def wait(state) -> float:
            exc = state.outcome.exception()
            if exc is not None and exc.retry_after is not None:
                return min(exc.retry_after, self.backoff_max)
            return jitter(state)

        def before_sleep(state) -> None:
            self.log.warning(
                "%s; retrying in %.1f s (attempt %d of %d)",
                state.outcome.exception(),
                state.next_action.sleep,
                state.attempt_number + 1,
                self.max_attempts,
            )

        options = {}
        if self._sleep is not None:
            options["sleep"] = self._sleep
        retrying = Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(attempts or self.max_attempts),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
            **options,
        )
        return retrying(self._once, what, fn, *args, answer=answer, **kwargs)

    def call_or_stop(self, what: str, fn, *args, idempotent: bool, answer: bool = True, **kwargs):
        """`call`, for a call whose failure stops the run: the answer ({} for an empty one),
        or the writer's BackendError (see `error`)."""
        try:
            return self.call(what, fn, *args, idempotent=idempotent, answer=answer, **kwargs) or {}
        except CallFailed as exc:
            raise self.error(exc) from None

    def pages(self, what: str, fn, *args, items: str, **kwargs) -> Iterator[dict]:
        """Every item of a list endpoint (`items`: the answer's list, e.g. "campaigns"),
        PAGE_SIZE at a time; `fields` must name `total_items`. A failure stops the run."""
        offset = 0
        while True:
            page = self.call_or_stop(
                what, fn, *args, count=PAGE_SIZE, offset=offset, idempotent=True, **kwargs
            )
            found = page.get(items) if isinstance(page, dict) else None
            total = page.get("total_items") if isinstance(page, dict) else None
            # A page without its list or its total, or one that ends short of the total,
            # is not Mailchimp's list (a proxy's answer, a cache's, Mailchimp's own {} for
            # a malformed `fields`). Read as "none", it would hide a campaign already sent.
            if (
                not isinstance(found, list)
                or not all(isinstance(item, dict) for item in found)
                or type(total) is not int
                or (not found and offset < total)
            ):
                raise BackendError(
                    f"Mailchimp's answer to {what} is not a list of {items} (no {items!r} list of "
                    f"objects or 'total_items', or fewer than it counts): a proxy or cache between here and "
                    "Mailchimp? Nothing more was sent. Re-run `make publish` later"
                )
            yield from found
            offset += len(found)
            if not found or offset >= total:
                return

    def error(self, exc: CallFailed, what: str | None = None) -> BackendError:
        """Turn a final CallFailed into the message the writer reads."""
        what = what or exc.what
        if exc.status == 401:
            return BackendError(f"Mailchimp API key rejected (401): {FIX_KEY}")
        if exc.status == 403:
            return BackendError(
                f"Mailchimp refused {what} (403 {exc.title}): {exc.detail or 'forbidden'}. "
                "The key may lack permission, or Mailchimp is throttling hard; wait and re-run"
            )
        if exc.status == 429:
            return BackendError(
                f"Mailchimp kept answering 429 Too Many Requests to {what} after "
                f"{self.max_attempts} attempts; wait a few minutes and re-run `make publish` "
                "(safe: nothing is sent twice)"
            )
        if exc.unknown_outcome:
            return BackendError(
                f"Mailchimp did not complete {what}: {exc.describe()}. Check "
                "https://status.mailchimp.com or your network, then re-run `make publish` "
                "(safe: nothing is sent twice)"
            )
        return BackendError(f"Mailchimp refused {what}: {exc.describe()}")

    # ------------------------------------------------------------------ one attempt
    def _redact(self, text: str) -> str:
        return scrub(text, [self._key])

    def _once(self, what: str, fn, *args, answer: bool = True, **kwargs):
        """One attempt of a call, its every failure made a CallFailed (see `call`)."""
        self._last_headers = None
        try:
            result = fn(*args, **kwargs)
        except ApiClientError as err:
            raise self._failure(what, err.status_code, err.text) from None
        if isinstance(result, requests.Response):
            # Empty-bodied answers come back instead of raising: the 204 of an action,
            # but also e.g. a bare 500.
            result = self._empty_bodied(what, result, answer)
        if isinstance(result, str) or (answer and not isinstance(result, dict)):
            # A 2xx that is not JSON (the client returns its text): a proxy or captive
            # portal answered, so whether Mailchimp acted is unknown.
            words = _page_words(result) if isinstance(result, str) else None
            if words is not None:
                raise CallFailed(what, None, detail=(
                    f"the web page {words!r} answered instead of Mailchimp — a captive portal "
                    "(hotel or café Wi-Fi: sign in to it) or a proxy in between"))  # fmt: skip
            raise self._garbled(what, "a body that is not JSON")
        return result

    def _empty_bodied(self, what: str, result: requests.Response, answer: bool):
        if not result.ok:
            raise CallFailed(
                what,
                result.status_code,
                result.reason or "",
                "(empty response body)",
                retry_after=self._retry_after(result.headers),
                throttled=result.status_code == 403,
            )
        if not result.content:
            if answer:
                raise self._garbled(what, "an empty body")
            return None
        try:
            return result.json()
        except ValueError:
            # The client hands back a body it could not parse, e.g. JSON cut short by
            # a dropped connection. Taking it for "nothing" would make a campaign
            # lookup see no campaigns and send a post a second time.
            raise self._garbled(what, "a body that is not valid JSON (cut off?)") from None

    def _garbled(self, what: str, got: str) -> CallFailed:
        # No usable answer: treated like a dropped connection (outcome unknown).
        return CallFailed(
            what, None, detail=f"a 2xx answer with {got}; a proxy or a dropped connection?"
        )

    def _retry_after(self, headers) -> float | None:
        value = (headers or {}).get("Retry-After")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            return None  # an HTTP-date: fall back to our own backoff

    def _failure(self, what: str, status: int | None, text) -> CallFailed:
        if status is None:
            timeout = is_timeout(text)
            problem = transport_problem(text, self.host, self.timeout)
            return CallFailed(what, None, detail=self._redact(problem), timeout=timeout)
        doc = text
        if isinstance(text, (str, bytes)):
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
        if isinstance(doc, dict):
            return CallFailed(
                what,
                status,
                str(doc.get("title", "")),
                self._redact(str(doc.get("detail", ""))),
                doc.get("errors") if isinstance(doc.get("errors"), list) else None,
                retry_after=self._retry_after(self._last_headers),
            )
        return CallFailed(
            what,
            status,
            detail=self._redact(_summary(str(text))),
            retry_after=self._retry_after(self._last_headers),
        )
