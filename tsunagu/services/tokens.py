"""Department tokens: issue, hash, verify, revoke, and the server-side sessions they open.

No Flask here, so the CLI (``tsunagu token``) and the web app share one store.

Department tokens (issue, hash, verify, revoke) and the one `authorize` every upload route uses.

A token is ``secrets.token_urlsafe(32)`` (256 random bits) shown once to the department. Only its
SHA-256 is stored: a slow password hash (bcrypt, scrypt) exists to make guessing low-entropy
human passwords expensive, and a 256-bit random value cannot be guessed however fast the hash
is, so a plain digest is enough and keeps each request's check cheap. The digest is looked up by
its index and then compared with :func:`hmac.compare_digest`, so the comparison takes the same
time whatever the input. The table lives in the local catalogue's database (``settings.database``)
under its own MetaData, so the catalogue schema is untouched.

A token reads ``<id>.<secret>``: the id (not secret; ``token list`` shows it) lets sign-in
failures be counted per token id *and* per client, so guesses from a shared address (every
visitor of a NAT'd office, or everyone when the proxy hop is not configured) never lock out a
department whose valid token names its own id. Tokens issued before carry no id and are still
accepted (they are matched by their hash alone).

The session keeps a server-side session id, the token *id* and department (never the token);
every authorised request re-reads the session and token rows, so signing out ends the session
for every copy of the cookie, and a revoked token stops working on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, MetaData, String, Table, create_engine, select, update

METADATA = MetaData()
TOKENS = Table(
    "department_tokens",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("department", String(100), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("note", String(500), nullable=False, default=""),
    Column("created", String(40), nullable=False),
    Column("revoked", String(40), nullable=True),
)
SESSIONS = Table(
    "department_sessions",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("token_id", String(32), nullable=False, index=True),
    Column("created", String(40), nullable=False),
    Column("ended", String(40), nullable=True),
)
ACTIONS = ("upload", "view", "publish")
_TOKEN_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class TokenRecord:
    """A token as listed: everything except the token itself (which is never stored)."""

    id: str
    department: str
    note: str
    created: str
    revoked: str | None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True)
class IssuedToken:
    record: TokenRecord
    token: str  # shown once, then forgotten


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _record(row: Any) -> TokenRecord:
    return TokenRecord(row.id, row.department, row.note, row.created, row.revoked)


class TokenStore:
    """Department tokens in a SQL table; no Flask, so the CLI uses the same code."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = create_engine(database_url)
        METADATA.create_all(self.engine)

    def create(self, department: str, note: str = "") -> IssuedToken:
        record = TokenRecord(secrets.token_hex(8), department, note, _now(), None)
        token = f"{record.id}.{secrets.token_urlsafe(32)}"  # token_urlsafe has no "."
        with self.engine.begin() as conn:
            conn.execute(
                TOKENS.insert().values(
                    id=record.id,
                    department=department,
                    token_hash=hash_token(token),
                    note=note,
                    created=record.created,
                    revoked=None,
                )
            )
        return IssuedToken(record, token)

    def verify(self, token: str) -> TokenRecord | None:
        """The active token record for ``token``, or None (unknown or revoked)."""
        digest = hash_token(token)
        with self.engine.connect() as conn:
            row = conn.execute(select(TOKENS).where(TOKENS.c.token_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        record = _record(row)
        return record if record.active else None

    def get(self, token_id: str) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(TOKENS).where(TOKENS.c.id == token_id)).first()
        return _record(row) if row else None

    def revoke(self, id_or_department: str) -> int:
        """Revoke one token by id, or every token of a department; returns how many."""
        target = (TOKENS.c.id == id_or_department) | (TOKENS.c.department == id_or_department)
        now = _now()
        with self.engine.begin() as conn:
            ids = select(TOKENS.c.id).where(target & TOKENS.c.revoked.is_(None))
            revoked = [row.id for row in conn.execute(ids)]
            if revoked:
                conn.execute(update(TOKENS).where(TOKENS.c.id.in_(revoked)).values(revoked=now))
                conn.execute(
                    update(SESSIONS)
                    .where(SESSIONS.c.token_id.in_(revoked) & SESSIONS.c.ended.is_(None))
                    .values(ended=now)
                )
        return len(revoked)

    def known_id(self, token: str) -> str | None:
        """The id a presented token names, when such a token exists (active or not)."""
        prefix, dot, _ = token.partition(".")
        if not dot or not _TOKEN_ID.fullmatch(prefix):
            return None
        return prefix if self.get(prefix) is not None else None

    def start_session(self, record: TokenRecord) -> str:
        """A new server-side session for a signed-in token; its id goes into the cookie."""
        session_id = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                SESSIONS.insert().values(
                    id=session_id, token_id=record.id, created=_now(), ended=None
                )
            )
        return session_id

    def end_session(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(SESSIONS)
                .where((SESSIONS.c.id == session_id) & SESSIONS.c.ended.is_(None))
                .values(ended=_now())
            )

    def session_token(self, session_id: str) -> TokenRecord | None:
        """The active token behind a live session, or None (ended, unknown or revoked)."""
        query = (
            select(TOKENS)
            .join(SESSIONS, SESSIONS.c.token_id == TOKENS.c.id)
            .where((SESSIONS.c.id == session_id) & SESSIONS.c.ended.is_(None))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        record = _record(row) if row else None
        return record if record and record.active else None

    def list(self) -> list[TokenRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(TOKENS).order_by(TOKENS.c.created, TOKENS.c.id)).all()
        return [_record(row) for row in rows]


class FailureLimiter:
    """Failed sign-ins per client address in a sliding window, held in memory.

    Bounded: at most ``max_clients`` addresses are tracked (the least recently failing is
    forgotten first) and each keeps at most ``limit`` timestamps, so a flood of addresses cannot
    grow memory without end. Per process: behind several gunicorn workers an attacker gets
    ``limit`` tries per worker, still far too few for a 256-bit token.
    """

    def __init__(self, limit: int = 10, window: float = 15 * 60, max_clients: int = 10_000):
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Seconds until ``client`` may try again; 0 when it may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._failures.get(client)
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times or len(times) < self.limit:
                return 0
            return max(1, int(times[0] + self.window - now) + 1)

    def fail(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[client] = times
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def clear(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
