"""RFC 8785 (JCS) canonical JSON for the value domain the ledger hashes.

The ledger hashes only dicts with string keys, lists, strings, booleans, null and
integers within +/-(2**53 - 1). Within that domain JCS reduces to: object members
sorted by the UTF-16 code units of their names, no insignificant whitespace,
strings escaped as ECMAScript's JSON.stringify does (which is what Python's
encoder does with ``ensure_ascii=False``), UTF-8 output. Floats are refused rather
than formatted, because JCS's float formatting is where implementations drift
(see docs/chain-spec.md, "Numbers").
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .errors import CanonicalFormError

MAX_SAFE_INTEGER = 2**53 - 1

_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False
).encode


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _normalise(value: Any, path: str, default: Callable[[Any], Any] | None) -> Any:
    # bool before int: bool is an int subclass but JSON true/false is fine as is.
    if value is None or value is True or value is False:
        return value
    if type(value) is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CanonicalFormError(path, "strings must be valid Unicode (no lone surrogates)") from None
        return value
    if type(value) is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise CanonicalFormError(
            path, f"integer {value} is outside +/-(2**53 - 1); write it as a decimal string"
        )
    if isinstance(value, float):
        raise CanonicalFormError(
            path, f"float {value!r} refused: use an integer in the smallest unit or a decimal string"
        )
    if isinstance(value, dict):
        out = {}
        for key in sorted(value, key=lambda k: _utf16_key(k) if type(k) is str else b""):
            if type(key) is not str:
                raise CanonicalFormError(path, f"object keys must be strings, got {type(key).__name__}")
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                raise CanonicalFormError(path, "member names must be valid Unicode (no lone surrogates)") from None
            out[key] = _normalise(value[key], f"{path}.{key}", default)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{path}[{i}]", default) for i, v in enumerate(value)]
    if default is not None:
        return _normalise(default(value), path, default)
    raise CanonicalFormError(path, f"values of type {type(value).__name__} cannot be hashed")


def canonical_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``value``.

    ``default`` converts values of other types (as in :func:`json.dumps`); its result
    is canonicalised too. Raises :class:`CanonicalFormError` naming the path of the
    first value outside the hashable domain.
    """
    try:
        return _dumps_sorted(_quick(value, default)).encode("utf-8")
    except (_Fallback, UnicodeEncodeError, RecursionError):
        pass  # outside the fast path's domain, or an error: the full walk names its path
    try:
        return _dumps(_normalise(value, "$", default)).encode("utf-8")
    except RecursionError:
        raise CanonicalFormError("$", "nested too deeply") from None


# The fast path: with ASCII member names, code-point order (sort_keys) is UTF-16 order, and
# a lone surrogate fails the final UTF-8 encode; anything else unusual (a float, a big
# integer, a non-ASCII or non-string key, a subclass of a JSON type) leaves it for the full
# walk, which gives the same bytes or the same error. No path strings, no per-key encode.
_dumps_sorted = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False, sort_keys=True
).encode


class _Fallback(Exception):
    pass


def _quick(value: Any, default: Callable[[Any], Any] | None) -> Any:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _Fallback
    if kind is dict:
        for key in value:
            if type(key) is not str or not key.isascii():
                raise _Fallback
        return {key: _quick(item, default) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_quick(item, default) for item in value]
    if default is None or isinstance(value, (float, str, int, dict, list, tuple)):
        raise _Fallback
    return _quick(default(value), default)


def _refuse_float(text: str) -> Any:
    raise CanonicalFormError("$", f"number {text} is not an integer")


def _refuse_constant(text: str) -> Any:
    raise CanonicalFormError("$", f"{text} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CanonicalFormError("$", f"duplicate member name {key!r}")
        out[key] = value
    return out


_decoder = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_float=_refuse_float, parse_constant=_refuse_constant
)


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be canonical; raise :class:`CanonicalFormError` if not.

    A verifier must hash the bytes it was given *and* know they are the one
    canonical encoding of their value, otherwise two byte strings could stand for
    one event.
    """
    try:
        text = data.decode("utf-8")
        value = _decoder.decode(text)
    except CanonicalFormError:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise CanonicalFormError("$", f"not valid UTF-8 JSON: {exc}") from None
    except RecursionError:
        # json's decoder recurses per nesting level; hostile input must not crash a verifier.
        raise CanonicalFormError("$", "nested too deeply") from None
    if canonical_bytes(value) != data:
        raise CanonicalFormError("$", "bytes are valid JSON but not in RFC 8785 canonical form")
    return value
