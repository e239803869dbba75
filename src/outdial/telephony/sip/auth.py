"""Digest authentication for a challenged request (RFC 3261 §22, RFC 2617, RFC 8760).

A 401 carries WWW-Authenticate and a 407 Proxy-Authenticate; the request is sent again with
Authorization or Proxy-Authorization computed from the trunk's username and password. MD5,
SHA-256 (and their -sess forms), qop `auth` and `auth-int` are supported.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from outdial.telephony.sip.grammar import GrammarError, parse_params, quote, split_commas

ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
CHALLENGE_HEADER = {401: "WWW-Authenticate", 407: "Proxy-Authenticate"}
ANSWER_HEADER = {401: "Authorization", 407: "Proxy-Authorization"}


@dataclass(frozen=True)
class Challenge:
    """One Digest challenge from a 401/407."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> Challenge:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != "digest":
            raise GrammarError(f"unsupported authentication scheme {scheme[:20]!r}")
        params = parse_params(";".join(split_commas(rest)))
        if "nonce" not in params:
            raise GrammarError("Digest challenge without nonce")
        algorithm = params.get("algorithm", "MD5").upper()
        if algorithm.removesuffix("-SESS") not in ALGORITHMS:
            raise GrammarError(f"unsupported digest algorithm {algorithm[:20]!r}")
        qop = tuple(q.strip().lower() for q in params.get("qop", "").split(",") if q.strip())
        return cls(
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            algorithm=algorithm,
            qop=qop,
            opaque=params.get("opaque"),
            stale=params.get("stale", "").lower() == "true",
        )


def _hash(algorithm: str, text: str) -> str:
    return ALGORITHMS[algorithm.removesuffix("-SESS")](text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def answer(
    challenge: Challenge,
    credentials: Credentials,
    method: str,
    uri: str,
    body: bytes = b"",
    cnonce: str | None = None,
) -> str:
    """The Authorization (or Proxy-Authorization) value answering `challenge`."""
    algo = challenge.algorithm
    cnonce = cnonce or secrets.token_hex(8)
    nc = "00000001"
    ha1 = _hash(algo, f"{credentials.username}:{challenge.realm}:{credentials.password}")
    if algo.endswith("-SESS"):
        ha1 = _hash(algo, f"{ha1}:{challenge.nonce}:{cnonce}")
    qop = "auth" if "auth" in challenge.qop else ("auth-int" if challenge.qop else "")
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        a2 += ":" + ALGORITHMS[algo.removesuffix("-SESS")](body).hexdigest()
    ha2 = _hash(algo, a2)
    if qop:
        response = _hash(algo, f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    else:
        response = _hash(algo, f"{ha1}:{challenge.nonce}:{ha2}")
    fields = [
        f"username={quote(credentials.username)}",
        f"realm={quote(challenge.realm)}",
        f"nonce={quote(challenge.nonce)}",
        f"uri={quote(uri)}",
        f"response={quote(response)}",
        f"algorithm={algo}",
    ]
    if qop:
        fields += [f"qop={qop}", f"nc={nc}", f"cnonce={quote(cnonce)}"]
    if challenge.opaque is not None:
        fields.append(f"opaque={quote(challenge.opaque)}")
    return "Digest " + ", ".join(fields)
