"""Decide a text file's encoding over the whole file, in a fixed and explainable order.

Statistical detectors guess wrong on small Japanese files (a two-line CP932 CSV came back as
cp1257 and was read as mojibake, security-and-bad-inputs §2.2), so the decision is made by strict
decoding instead: BOM → UTF-8 → CP932 → EUC-JP, each tried over *every* byte, streaming in chunks
through incremental decoders so memory stays bounded. A detector is consulted only to break a
tie between CP932 and EUC-JP when both decode the whole file. Python's ``shift_jis`` is never
used: it cannot decode NEC/IBM extensions such as ①, ㈱ or 髙 that Windows writes every day.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from tsunagu.errors import FormatError, Location, Problem, Severity

CHUNK_BYTES = 1024 * 1024
TIEBREAK_SAMPLE_BYTES = 256 * 1024

# Strict candidates after the BOM check, in the order they are preferred.
CANDIDATES = ("utf-8", "cp932", "euc-jp")
# Names a user may force that mean CP932 in practice: Windows "Shift_JIS" is CP932.
ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "utf8": "utf-8",
    "euc_jp": "euc-jp",
    "eucjp": "euc-jp",
}


@dataclass(frozen=True)
class EncodingResult:
    """The chosen encoding (a Python codec name that is also the fact label) and why."""

    encoding: str
    method: str  # "bom" | "strict-utf-8" | "strict-cp932" | "strict-euc-jp" | ...
    candidates: tuple[str, ...] = ()  # every strict candidate that decoded the whole file
    has_bom: bool = False
    # The whole file as UTF-8 (``keep_utf8=True``): the detection pass decodes every byte, so
    # the reader takes that text instead of decoding the file a second time.
    utf8: bytes | bytearray | None = field(default=None, repr=False, compare=False)


@dataclass
class _Attempt:
    """One candidate encoding being fed the file chunk by chunk."""

    encoding: str
    decoder: codecs.IncrementalDecoder = field(init=False)
    failed_at: int | None = None
    failed_line: int | None = None
    saw_multibyte: bool = False
    out: bytearray | None = None  # the UTF-8 so far, when kept

    def __post_init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder(self.encoding)("strict")

    def feed(self, chunk: bytes, offset: int, lines_before: int, final: bool = False) -> None:
        if self.failed_at is not None:
            return
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            self.failed_at = max(offset - pending + exc.start, 0)
            local = max(self.failed_at - offset, 0)
            self.failed_line = lines_before + chunk[:local].count(b"\n") + 1
            self.out = None
            return
        if not self.saw_multibyte and not text.isascii():
            self.saw_multibyte = True
        if self.out is not None:  # one growing buffer: realloc, not a list of parts to join
            self.out += text.encode("utf-8")


def normalize_encoding_name(name: str) -> str:
    """``"Shift_JIS"`` → ``"cp932"``; other names are checked against Python's codecs."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    codecs.lookup(key)  # LookupError for a name Python does not know
    return key


def detect_encoding(
    path: Path,
    forced: str | None = None,
    *,
    file_name: str | None = None,
    keep_utf8: bool = False,
) -> EncodingResult:
    """Decide the encoding of ``path`` over the whole file; raise ``encoding-undecodable``.

    ``forced`` (from the manifest or CLI) skips detection but is still verified over every byte,
    so a wrong setting fails loudly instead of publishing mojibake. ``keep_utf8`` keeps the
    decoded file as UTF-8 in the result (``utf8``).
    """
    name = file_name or path.name
    if forced:
        return _verify_forced(path, forced, name, keep_utf8)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return _verify(path, "utf-8-sig", "bom", name, keep_utf8, has_bom=True)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _verify(path, "utf-16", "bom", name, keep_utf8, has_bom=True)
    attempts, sample, ascii_text = _run(path, CANDIDATES, keep_utf8)
    decoded = tuple(a.encoding for a in attempts if a.failed_at is None)
    if not decoded:
        raise _undecodable(_most_plausible(attempts), name)
    if decoded[0] != "cp932" or "euc-jp" not in decoded:
        chosen, method = decoded[0], f"strict-{decoded[0]}"
    else:
        chosen, method = _tiebreak(sample, decoded), "detector-tiebreak"
    utf8 = _text(attempts, chosen, ascii_text)
    return EncodingResult(chosen, method, decoded, utf8=utf8)


def _text(
    attempts: list[_Attempt], encoding: str, ascii_text: bytearray | None
) -> bytearray | None:
    """The chosen candidate's UTF-8; ``None`` for UTF-8 itself (the file is its own text)."""
    if ascii_text is not None:
        return ascii_text
    return next(a.out for a in attempts if a.encoding == encoding)


def _verify_forced(path: Path, forced: str, name: str, keep_utf8: bool = False) -> EncodingResult:
    try:
        encoding = normalize_encoding_name(forced)
    except LookupError as exc:
        raise FormatError.from_problem(
            Problem("encoding-unknown", Severity.ERROR, Location(file=name), {"encoding": forced})
        ) from exc
    return _verify(path, encoding, "forced", name, keep_utf8)


def _verify(
    path: Path,
    encoding: str,
    method: str,
    name: str,
    keep_utf8: bool = False,
    *,
    has_bom: bool = False,
) -> EncodingResult:
    attempts, _, ascii_text = _run(path, (encoding,), keep_utf8)
    if attempts[0].failed_at is not None:
        raise _undecodable(attempts[0], name)
    utf8 = _text(attempts, encoding, ascii_text)
    return EncodingResult(encoding, method, (encoding,), has_bom, utf8=utf8)


def _run(
    path: Path, encodings: tuple[str, ...], keep_utf8: bool = False
) -> tuple[list[_Attempt], bytes, bytearray | None]:
    """Feed the whole file once to every candidate; keep a bounded non-ASCII sample.

    With ``keep_utf8`` each candidate also keeps its UTF-8, except ``utf-8`` (the file itself):
    while the file is ASCII the candidates share one copy of it, returned when it stays ASCII.
    """
    attempts = [_Attempt(enc) for enc in encodings]
    ascii_text: bytearray | None = bytearray() if keep_utf8 else None
    sample = bytearray()
    offset = 0
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            if ascii_text is not None and not chunk.isascii():
                for attempt in attempts:  # nothing is pending after ASCII: text so far = bytes
                    if attempt.encoding != "utf-8" and attempt.failed_at is None:
                        attempt.out = bytearray(ascii_text)
                ascii_text = None
            if ascii_text is not None:
                ascii_text += chunk
            for attempt in attempts:
                attempt.feed(chunk, offset, lines)
            if len(sample) < TIEBREAK_SAMPLE_BYTES and not chunk.isascii():
                sample += _non_ascii_lines(chunk)[: TIEBREAK_SAMPLE_BYTES - len(sample)]
            offset += len(chunk)
            lines += chunk.count(b"\n")
            if all(a.failed_at is not None for a in attempts):
                break
    for attempt in attempts:
        attempt.feed(b"", offset, lines, final=True)
    return attempts, bytes(sample), ascii_text


def _non_ascii_lines(chunk: bytes) -> bytes:
    """The lines of a chunk that carry non-ASCII bytes: what a detector needs to see."""
    return b"\n".join(line for line in chunk.split(b"\n") if not line.isascii())


def _tiebreak(sample: bytes, decoded: tuple[str, ...]) -> str:
    """CP932 and EUC-JP both decode every byte: ask a detector, default to CP932."""
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp932", "euc_jp"]).best()
    if best is not None and best.encoding in ("euc_jp", "euc-jp") and "euc-jp" in decoded:
        return "euc-jp"
    return "cp932"


def _most_plausible(attempts: list[_Attempt]) -> _Attempt:
    """UTF-8 that decoded real multibyte text before failing is UTF-8 with a bad row;
    otherwise the candidate that got furthest is the one the department meant."""
    utf8 = next((a for a in attempts if a.encoding == "utf-8"), None)
    if utf8 is not None and utf8.saw_multibyte:
        return utf8
    return max(attempts, key=lambda a: a.failed_at or 0)


def _undecodable(attempt: _Attempt, name: str) -> FormatError:
    return FormatError.from_problem(
        Problem(
            "encoding-undecodable",
            Severity.ERROR,
            Location(file=name, row=attempt.failed_line, byte_offset=attempt.failed_at),
            {"encoding": attempt.encoding},
        )
    )


def to_utf8(path: Path, encoding: str) -> bytes:
    """The whole file as UTF-8, decoded exactly as ``open(encoding=...)`` would (a UTF-8 BOM
    dropped by ``utf-8-sig``), in chunks so only the UTF-8 copy is held; UTF-8 is read as is."""
    if encoding == "utf-8":
        return path.read_bytes()
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    parts = []
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            parts.append(decoder.decode(chunk).encode("utf-8"))
    parts.append(decoder.decode(b"", True).encode("utf-8"))
    return b"".join(parts)
