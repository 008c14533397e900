"""Who may use the grading page: the holder of the token ``grader serve`` printed.

The page is bound to the loopback address, but any local process (or a web page in the
grader's browser) can reach a loopback port, so every request must carry the token:

* the printed URL holds it once (``/?token=...``); that request sets an HttpOnly,
  SameSite=Strict cookie and redirects to the URL without it, so it stays out of history;
* every later request needs the cookie (named after the port: a browser sends a host's
  cookies to all its ports); a request that changes anything is a POST that also
  carries the token in the ``X-Grader-Token`` header (a page elsewhere cannot read it);
* the Host header must name this server (a DNS-rebinding page cannot pass as it);
* every answer carries a Content-Security-Policy that allows no inline script, no remote
  resource and no framing by others.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket

from pydantic import BaseModel, ConfigDict

__all__ = ["COOKIE", "HEADER", "Guard", "new_token"]

COOKIE = "grader_token"
HEADER = "X-Grader-Token"

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)
"""The page's Content-Security-Policy: its own script and styles, images inside answers
(``data:``), the PDF of an answer in a frame of its own; nothing inline, nothing remote."""

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard(BaseModel):
    """The token, the cookie that holds it and the host names this server answers to."""

    model_config = ConfigDict(frozen=True)

    token: str
    port: int
    names: frozenset[str]
    """Host names (without the port) the Host header may hold."""
    any_ip: bool = False
    """Also any IP address (a server listening on all of them, ``--allow-remote``): a DNS
    rebinding page names a host name, never an address."""

    @classmethod
    def for_server(cls, token: str, host: str, port: int) -> Guard:
        bare = host.strip("[]").lower()
        if bare in _LOOPBACK:
            return cls(token=token, port=port, names=_LOOPBACK)
        if bare in _EVERY:
            names = _LOOPBACK | {socket.gethostname().lower(), socket.getfqdn().lower()}
            return cls(token=token, port=port, names=frozenset(names), any_ip=True)
        return cls(token=token, port=port, names=frozenset({bare}))

    @property
    def cookie(self) -> str:
        """The cookie's name: one per port, since a browser sends a host's cookies to every
        port of it, and a second ``grader serve`` would otherwise replace the first's."""
        return f"{COOKIE}_{self.port}"

    def right_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def right_host(self, host: str | None) -> bool:
        """Whether a Host header (``name:port``) names this server."""
        host = (host or "").lower()
        name, colon, port = host.rpartition(":")
        if not colon or host.endswith("]"):  # no port given: the default one
            name, port = host, "80"
        if port != str(self.port):
            return False
        bare = name.strip("[]") if name.startswith("[") else name
        return bare in self.names or (self.any_ip and _is_ip(bare))


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_EVERY = frozenset({"0.0.0.0", "::", ""})


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
