"""The one client for the GitHub REST API (github.com and GitHub Enterprise Server).

The base URL comes from ``GITHUB_API_URL`` (default ``https://api.github.com``) and the token from
``GITHUB_TOKEN`` or the caller. The token is only ever put in the ``Authorization`` header: it is
not part of the client's ``repr``, of any message, or of any log line, and every error text is
scrubbed of it before it is raised — also of the token in other letter case and of any prefix
of it (``MIN_CREDENTIAL_PREFIX`` characters or more) that an error message may echo cut short.

**The token stays with its API.** Requests go only to the scheme, host and port of
``GITHUB_API_URL``. An absolute URL that an answer hands over — a ``Link: rel="next"`` page, a
redirect's ``Location``, a ``url`` field to poll — is followed only when it has that same
origin; one pointing anywhere else is refused with an error naming where it pointed and which
header or field said so, and nothing is sent there. Redirects within the origin are followed
(at most ``MAX_REDIRECTS``: 303, and 301/302 after anything but GET, continue as GET; 307/308
keep the method and body).

Failures that may pass are retried with backoff: 5xx answers, connection errors, and rate limits
(``Retry-After``, or ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``). One call — every
attempt, every answer being read, every redirect and every wait between them — takes at most
``RetryPolicy.max_total_wait`` seconds (``SECGATE_GITHUB_MAX_WAIT``): each request gets only
the time left, and a server that answers slowly, byte by byte, is given up on when it runs out,
with a one-line error instead of a hanging CI job.
"""

from __future__ import annotations

import os
import re
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from secgate import __version__
from secgate.errors import ExitCode, SecgateError
from secgate.findings.scrub import register_credential, scrub_credential

if TYPE_CHECKING:
    import requests


def requests_module() -> types.ModuleType:
    """``requests``, imported when a client first talks to a server: most commands never do,
    and importing it (with urllib3) is a good part of secgate's start-up."""
    import requests

    return requests


DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
MAX_WAIT_ENV = "SECGATE_GITHUB_MAX_WAIT"
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}


class GitHubError(SecgateError):
    """GitHub answered with an error that retrying cannot fix (4xx), or a malformed answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class GitHubUnavailable(GitHubError):
    """GitHub kept failing (5xx, connection errors) or rate-limited past the wait cap."""

    exit_code = ExitCode.SCANNER_ERROR


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. Delays double from ``base_delay`` up to ``max_delay``."""

    attempts: int = 5
    """Requests made at most for one call (the first one included)."""
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total_wait: float = 120.0
    """Seconds one call may take in total (requests, answers and waits) before it gives up."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        """The default policy, with the wait cap from ``SECGATE_GITHUB_MAX_WAIT`` when set."""
        env = os.environ if environ is None else environ
        raw = env.get(MAX_WAIT_ENV, "").strip()
        if not raw:
            return cls()
        try:
            cap = float(raw)
        except ValueError:
            raise GitHubError(f"{MAX_WAIT_ENV}={raw!r} is not a number of seconds") from None
        if not cap > 0:
            raise GitHubError(f"{MAX_WAIT_ENV}={raw!r} must be more than 0 seconds")
        return cls(max_total_wait=cap)


@dataclass(frozen=True)
class Response:
    """What the client hands back: the status, the headers and the decoded JSON body."""

    status: int
    headers: Mapping[str, str]
    data: Any


class GitHubClient:
    """Calls the GitHub REST API with one token, retrying what can pass on a retry."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if not token:
            raise GitHubError("no GitHub token: set GITHUB_TOKEN or pass --token")
        self._token = token
        register_credential(token)  # every line secgate prints is scrubbed of it too
        self.api_url = api_url.rstrip("/")
        self.origin = _origin(self.api_url)
        if self.origin is None:
            raise GitHubError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._monotonic = monotonic
        self.timeout = timeout
        self._session = session or requests_module().Session()
        self.waits: list[float] = []
        """Every delay waited before a retry, in order (what a person or a test can check)."""

    @classmethod
    def from_env(
        cls, token: str | None = None, environ: Mapping[str, str] | None = None
    ) -> GitHubClient:
        """A client for ``GITHUB_API_URL`` with ``token``, else ``GITHUB_TOKEN``."""
        env = os.environ if environ is None else environ
        api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
        return cls(token or env.get("GITHUB_TOKEN", ""), api_url, retry=RetryPolicy.from_env(env))

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.api_url!r})"

    def close(self) -> None:
        """Close the connections kept open for reuse."""
        self._session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": MEDIA_TYPE,
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"secgate/{__version__}",
        }

    def scrub(self, text: str) -> str:
        """``text`` with the token replaced by ``***``, for anything that may be shown: the
        token in any letter case, and any prefix of it of ``MIN_CREDENTIAL_PREFIX`` characters or
        more (an echo cut short)."""
        return scrub_token(text, self._token)

    def url(self, path: str, *, via: str = "the caller") -> str:
        """The absolute URL of an API path. An absolute URL (from ``Link``, ``Location``, a
        ``url`` field: ``via`` says which) must have the API's origin, else ``GitHubError``."""
        if not path.startswith(("https://", "http://")):
            return f"{self.api_url}/{path.lstrip('/')}"
        if _origin(path) != self.origin:
            parts = urlsplit(path)
            where = f"{parts.scheme}://{parts.netloc}"
            raise GitHubError(
                self.scrub(
                    f"refusing to send the GitHub token to {where}: {via} points away from the "
                    f"API at {_shown_origin(self.origin)} (GITHUB_API_URL)"
                )
            )
        return path

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        via: str = "the caller",
    ) -> Response:
        """One API call; 2xx answers are returned, others raise after any retries."""
        url = self.url(path, via=via)
        label = f"{method} {_path_of(url, self.api_url)}"
        started = self._monotonic()
        waited = 0.0
        redirects = 0

        def left() -> float:
            return self.retry.max_total_wait - waited - (self._monotonic() - started)

        attempt = 0
        while attempt < self.retry.attempts:
            attempt += 1
            try:
                answer = self._send(method, url, json, params, left(), label)
            except requests_module().RequestException as exc:
                problem = f"cannot reach {self.api_url}: {type(exc).__name__}"
                delay = self._backoff(attempt)
                status = None
            else:
                if 200 <= answer.status_code < 300:
                    return Response(answer.status_code, answer.headers, _json_of(answer))
                if answer.status_code in _REDIRECT_STATUS:
                    redirects += 1
                    if redirects > MAX_REDIRECTS:
                        raise GitHubError(
                            self.scrub(f"GitHub API {label}: more than {MAX_REDIRECTS} redirects")
                        )
                    target = answer.headers.get("Location", "").strip()
                    if not target:
                        raise GitHubError(
                            self.scrub(
                                f"GitHub API {label}: {answer.status_code} without a Location"
                            )
                        )
                    url = self.url(urljoin(url, target), via="a redirect's Location header")
                    params = None  # the new location carries its own query
                    if answer.status_code == 303 or (
                        answer.status_code in (301, 302) and method not in ("GET", "HEAD")
                    ):
                        method, json = "GET", None
                    attempt -= 1  # following a redirect is no failed attempt
                    continue
                status = answer.status_code
                problem = f"{status} {_message_of(answer)}"
                limited = self._rate_limit_delay(answer, attempt)
                if limited is not None:
                    delay = limited
                    problem = f"rate limited ({problem})"
                elif status in _RETRYABLE_STATUS:
                    delay = self._backoff(attempt)
                else:
                    raise GitHubError(self.scrub(f"GitHub API {label}: {problem}"), status=status)
            if attempt == self.retry.attempts:
                raise GitHubUnavailable(
                    self.scrub(f"GitHub API {label}: {problem}; gave up after {attempt} attempts"),
                    status=status,
                )
            if delay > left():
                raise GitHubUnavailable(
                    self.scrub(
                        f"GitHub API {label}: {problem}; the next retry would be in {delay:.0f} s, "
                        f"past the {self.retry.max_total_wait:g} s secgate waits "
                        f"({MAX_WAIT_ENV})"
                    ),
                    status=status,
                )
            self.waits.append(delay)
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable: the retry loop returns or raises")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: str,
        body: Any,
        params: Mapping[str, str | int] | None,
        budget: float,
        label: str,
    ) -> requests.Response:
        """One HTTP request, answer read in full, within ``budget`` seconds. It runs on a
        thread of its own so that the bound holds however the server dribbles its answer
        (``requests``' read timeout only bounds each pause between bytes); a request still
        running at the end of its budget is abandoned, its session with it."""
        if budget <= 0:
            raise GitHubUnavailable(self._out_of_time(label))
        outcome: list[requests.Response | BaseException] = []
        session = self._session

        def send() -> None:
            try:
                limit = min(self.timeout, budget)
                outcome.append(
                    session.request(
                        method,
                        url,
                        json=body,
                        params=params,
                        headers=self._headers(),
                        timeout=(limit, limit),
                        allow_redirects=False,
                    )
                )
            except BaseException as exc:  # handed to the calling thread below
                outcome.append(exc)

        worker = threading.Thread(target=send, daemon=True, name="secgate-github-request")
        worker.start()
        worker.join(budget)
        if not outcome:
            self._session = requests_module().Session()  # the abandoned one may still be reading
            raise GitHubUnavailable(self._out_of_time(label))
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _out_of_time(self, label: str) -> str:
        return self.scrub(
            f"GitHub API {label}: no complete answer within the "
            f"{self.retry.max_total_wait:g} s secgate waits ({MAX_WAIT_ENV})"
        )

    def _backoff(self, attempt: int) -> float:
        return float(min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1)))

    def _rate_limit_delay(self, answer: requests.Response, attempt: int) -> float | None:
        """The wait a rate-limited answer asks for, or None when the answer is no rate limit."""
        if answer.status_code not in (403, 429):
            return None
        retry_after = answer.headers.get("Retry-After", "").strip()
        if retry_after.isascii() and retry_after.isdigit():  # not "²", which float() refuses
            return float(retry_after)
        if answer.headers.get("X-RateLimit-Remaining", "").strip() == "0":
            reset = answer.headers.get("X-RateLimit-Reset", "").strip()
            if reset.isascii() and reset.isdigit():
                return max(0.0, float(reset) - self._clock()) + 1.0
            return self._backoff(attempt)
        if answer.status_code == 429 or "secondary rate limit" in _message_of(answer).lower():
            return max(60.0, self._backoff(attempt))
        return None

    def get(self, path: str, **params: str | int) -> Any:
        return self.request("GET", path, params=params or None).data

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).data

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body).data

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def paginate(self, path: str, per_page: int = 100) -> Iterator[Any]:
        """Every item of a list endpoint, following the ``Link: rel="next"`` pages."""
        url: str | None = path
        params: Mapping[str, str | int] | None = {"per_page": per_page}
        via = "the caller"
        while url is not None:
            page = self.request("GET", url, params=params, via=via)
            if not isinstance(page.data, list):
                raise GitHubError(
                    f"GitHub API GET {_path_of(self.url(url), self.api_url)}: "
                    "expected a list in the answer"
                )
            yield from page.data
            found = _NEXT_LINK.search(page.headers.get("Link", ""))
            url = found.group(1) if found else None
            params = None  # the next link carries its own query
            via = 'the Link header\'s rel="next" page'


def scrub_token(text: str, token: str) -> str:
    """``text`` with ``token`` replaced by ``***`` wherever it appears in any letter case, and
    with every prefix of it at least ``MIN_CREDENTIAL_PREFIX`` characters long (or the whole
    token, when shorter) replaced too (``secgate.findings.scrub.scrub_credential``)."""
    return scrub_credential(text, token)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port filled in; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _shown_origin(origin: tuple[str, str, int] | None) -> str:
    if origin is None:
        return "?"
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if _DEFAULT_PORTS[scheme] == port else f":{port}")


def _json_of(answer: requests.Response) -> Any:
    if not answer.content:
        return None
    try:
        return answer.json()
    except ValueError:
        raise GitHubError(
            f"GitHub API answered {answer.status_code} with a body that is not JSON",
            status=answer.status_code,
        ) from None


def _message_of(answer: requests.Response) -> str:
    """GitHub's own one-line reason from an error answer (its ``message``), else the reason."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message) if message else (answer.reason or "error")
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:  # a 422's details: strings or objects
        details = [
            str(e.get("message") or " ".join(str(e.get(k)) for k in ("field", "code") if e.get(k)))
            if isinstance(e, dict)
            else str(e)
            for e in errors[:3]
        ]
        text += ": " + "; ".join(d for d in details if d)
    return " ".join(text.split())[:300]


def _path_of(url: str, api_url: str) -> str:
    """The API path of ``url`` without its query (what error messages name)."""
    path = url[len(api_url) :] if url.startswith(api_url) else url
    return path.split("?", 1)[0] or "/"


def json_field(data: Any, name: str) -> Any:
    """``data[name]`` of a JSON answer when it is an object, else None."""
    return data.get(name) if isinstance(data, dict) else None
