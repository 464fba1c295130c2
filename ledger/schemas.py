"""Marshmallow schemas: every command's input is checked here before any event exists.

Amounts are integers in the unit's smallest step; booleans and floats are refused
even where Python would quietly accept them as numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ledger_audit import MAX_SAFE_INTEGER, CanonicalFormError, canonical_bytes
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowError

from .errors import FloatRefused, ValidationError

ID_RULE = "must be 1-128 characters of letters, digits and . _ : @ / -, starting with a letter or digit"
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}\Z")
SCHEME_RULE = "must be 1-32 characters of lowercase letters, digits and _, starting with a letter"
LEDGER_ID_RULE = "must be 1-200 printable characters without spaces or '+' (it names the checkpoint signer)"


class StrictInt(fields.Integer):
    """An integer that is an ``int`` in Python and not a bool, or an integer string from a CLI."""

    default_error_messages = {
        "invalid": "must be an integer in the unit's smallest step.",
        "float": "must be an integer in the unit's smallest step; floats are refused.",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float):
            raise self.make_error("float")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.make_error("invalid")
        if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
            raise self.make_error("invalid")
        return int(value)


class AwareDateTime(fields.Field):
    """A timezone-aware ``datetime`` or ISO 8601 string with an offset; stored in UTC."""

    default_error_messages = {
        "invalid": "must be a timezone-aware datetime (ISO 8601 with an offset).",
        "range": "must be a time within years 1 to 9999 in UTC.",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.make_error("invalid") from None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise self.make_error("invalid")
        try:
            return value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:30+01:00 is before the first UTC instant Python has
            raise self.make_error("range") from None


def Id(**kw: Any) -> fields.String:  # noqa: N802 - a field factory reads like a field
    return fields.String(validate=validate.Regexp(ID_RE, error=ID_RULE), **kw)


def Amount(**kw: Any) -> StrictInt:  # noqa: N802
    return StrictInt(validate=validate.Range(1, MAX_SAFE_INTEGER, error="must be between 1 and 2**53-1."), **kw)


def Limit(**kw: Any) -> StrictInt:  # noqa: N802
    rule = validate.Range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, error="must be within +/-(2**53-1).")
    return StrictInt(validate=rule, allow_none=True, load_default=None, **kw)


MAX_DETAILS_BYTES = 8192


class Details(fields.Dict):
    """Structured data a scheme attaches to a movement or fact: JSON without floats, at most 8 KiB."""

    default_error_messages = {"size": f"must encode to at most {MAX_DETAILS_BYTES} bytes of canonical JSON."}

    def __init__(self, **kw: Any) -> None:
        super().__init__(keys=fields.String(), **kw)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            encoded = canonical_bytes(result)
        except CanonicalFormError as exc:
            raise MarshmallowError(f"{exc.path[2:] or 'value'}: {exc.rule}") from None
        if len(encoded) > MAX_DETAILS_BYTES:
            raise self.make_error("size")
        return result


def Text(max_len: int, min_len: int = 0, **kw: Any) -> fields.String:  # noqa: N802
    rule = validate.Length(min=min_len or None, max=max_len)
    return fields.String(validate=rule, **kw)


class LimitsMixin(Schema):
    floor = Limit()
    ceiling = Limit()

    @validates_schema
    def floor_below_ceiling(self, data: dict, **kwargs: Any) -> None:
        check_limits(data)


def check_limits(data: dict) -> None:
    floor, ceiling = data.get("floor"), data.get("ceiling")
    if floor is not None and ceiling is not None and floor > ceiling:
        raise MarshmallowError("must not exceed the ceiling.", field_name="floor")


class InitSchema(Schema):
    ledger_id = fields.String(required=True, validate=validate.Regexp(r"[!-*,-~]{1,200}\Z", error=LEDGER_ID_RULE))


class RegisterSchemeSchema(Schema):
    """Absent ``unit``, ``step``, ``floor`` and ``ceiling`` come from the kind's defaults."""

    request_id = Id(load_default=None)
    name = fields.String(required=True, validate=validate.Regexp(r"[a-z][a-z0-9_]{0,31}\Z", error=SCHEME_RULE))
    kind = fields.String(load_default="basic", validate=validate.Regexp(r"[a-z][a-z0-9_]{0,31}\Z", error=SCHEME_RULE))
    unit = fields.String(
        validate=validate.Regexp(r"[A-Za-z][A-Za-z0-9_]{0,31}\Z", error="must be 1-32 letters, digits or _."),
    )
    step = StrictInt(validate=validate.Range(1, 10**9))
    floor = StrictInt(allow_none=True, validate=validate.Range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    ceiling = StrictInt(allow_none=True, validate=validate.Range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))

    @validates_schema
    def floor_below_ceiling(self, data: dict, **kwargs: Any) -> None:
        check_limits(data)


class OpenAccountSchema(Schema):
    account = Id(required=True)
    scheme = fields.String(required=True, validate=validate.Regexp(r"[a-z][a-z0-9_]{0,31}\Z", error=SCHEME_RULE))
    owner = Text(200, load_default="")
    # Absent means "the scheme's default"; explicit None means "no limit".
    floor = StrictInt(allow_none=True, validate=validate.Range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    ceiling = StrictInt(allow_none=True, validate=validate.Range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    # None: personal exactly when an owner name is given (names stay out of public exports).
    personal = fields.Boolean(load_default=None, allow_none=True)
    request_id = Id(load_default=None)


class ChangeLimitsSchema(LimitsMixin):
    account = Id(required=True)
    reason = Text(500, required=True)
    request_id = Id(load_default=None)


class CloseAccountSchema(Schema):
    account = Id(required=True)
    reason = Text(500, load_default="")
    request_id = Id(load_default=None)


class RecordFactSchema(Schema):
    fact_type = fields.String(
        required=True,
        validate=validate.Regexp(
            r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.v[0-9]+\Z", error="must look like 'scheme.thing.v1'."
        ),
    )
    subject = Id(required=True)
    data = Details(required=True)
    personal = fields.Boolean(load_default=False)
    # Compare-and-set: the version of the series the new data was computed from (0 = none yet).
    expected_version = StrictInt(load_default=None, allow_none=True, validate=validate.Range(0, MAX_SAFE_INTEGER))
    request_id = Id(load_default=None)


class RotateKeySchema(Schema):
    request_id = Id(load_default=None)


class ExpireSchema(Schema):
    now = AwareDateTime(required=True)
    limit = StrictInt(load_default=500, validate=validate.Range(1, 10_000))


class AsOfSchema(Schema):
    """``as_of``: a sequence number, an aware datetime, or either as a string (from a CLI)."""

    seq = StrictInt(validate=validate.Range(-1, MAX_SAFE_INTEGER))
    time = AwareDateTime()


class HistorySchema(Schema):
    account = Id(required=True)
    after = StrictInt(load_default=None, allow_none=True, validate=validate.Range(-1, MAX_SAFE_INTEGER))
    limit = StrictInt(load_default=50, validate=validate.Range(1, 1000, error="must be an integer from 1 to 1000."))


class MovementSchema(Schema):
    debit = Id(required=True)
    credit = Id(required=True)
    amount = Amount(required=True)
    code = Text(64, load_default="")
    memo = Text(1000, load_default="")
    details = Details(load_default=dict)
    personal = fields.Boolean(load_default=False)
    request_id = Id(load_default=None)

    @validates_schema
    def distinct_accounts(self, data: dict, **kwargs: Any) -> None:
        if data.get("debit") is not None and data.get("debit") == data.get("credit"):
            raise MarshmallowError("must differ from the debit account.", field_name="credit")


class TransferSchema(MovementSchema):
    transfer_id = Id(load_default=None)

    @validates_schema
    def not_reserved(self, data: dict, **kwargs: Any) -> None:
        tid = data.get("transfer_id") or ""
        if tid.startswith("hold:") or tid.endswith(":reversal"):
            raise MarshmallowError(
                "must not start with 'hold:' or end with ':reversal' (reserved for posted holds and reversals).",
                field_name="transfer_id",
            )


class HoldSchema(MovementSchema):
    hold_id = Id(load_default=None)
    expires_at = AwareDateTime(load_default=None)
    timeout = StrictInt(load_default=None, validate=validate.Range(1, 10 * 366 * 86400))

    @validates_schema
    def one_deadline(self, data: dict, **kwargs: Any) -> None:
        if data.get("expires_at") is not None and data.get("timeout") is not None:
            raise MarshmallowError("give expires_at or timeout, not both.", field_name="timeout")


class PostSchema(Schema):
    hold_id = Id(required=True)
    amount = Amount(load_default=None, allow_none=True)
    request_id = Id(load_default=None)


class VoidSchema(Schema):
    hold_id = Id(required=True)
    reason = Text(500, load_default="")
    request_id = Id(load_default=None)


class ReverseSchema(Schema):
    transfer_id = Id(load_default=None)
    hold_id = Id(load_default=None)
    reason = Text(500, 1, required=True)
    request_id = Id(load_default=None)

    @validates_schema
    def exactly_one(self, data: dict, **kwargs: Any) -> None:
        if (data.get("transfer_id") is None) == (data.get("hold_id") is None):
            raise MarshmallowError("give exactly one of transfer_id or hold_id.", field_name="transfer_id")


BATCH_ITEMS: dict[str, type[Schema]] = {
    "transfer": TransferSchema,
    "hold": HoldSchema,
    "post": PostSchema,
    "void": VoidSchema,
    "reverse": ReverseSchema,
    "fact": RecordFactSchema,
}


_INSTANCES: dict[type[Schema], Schema] = {}


def load(schema: type[Schema], command: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` with ``schema``; raise :class:`ledger.errors.ValidationError` naming each field.

    Public as ``ledger.validate``: plugins check their own inputs with it, so every error a
    user sees has one shape (``items.0.price: ...``).
    """
    # Building a Schema deep-copies its fields; one instance per class is reusable and was
    # a third of the validation cost per command.
    if schema is TransferSchema and type(data) is dict:
        quick = _quick_transfer(data)
        if quick is not None:
            return quick
    instance = _INSTANCES.get(schema)
    if instance is None:
        instance = _INSTANCES[schema] = schema()
    try:
        return instance.load(data)
    except MarshmallowError as exc:
        errors = _flatten(exc.messages)
        floats = any("floats are refused" in rule for rules in errors.values() for rule in rules)
        raise (FloatRefused if floats else ValidationError)(command, errors) from None


_TRANSFER_OPTIONAL = {"code": 64, "memo": 1000}
_TRANSFER_KEYS = frozenset({"debit", "credit", "amount", "code", "memo", "personal", "request_id", "transfer_id"})


def _quick_transfer(data: dict[str, Any]) -> dict[str, Any] | None:
    """``TransferSchema().load(data)`` for the plain case, without marshmallow; else ``None``.

    Only exact types (``str``, ``int``, ``bool``, ``None``) that every rule accepts as they
    are take this path, and it returns what marshmallow returns (same keys, same order,
    defaults filled). Anything else, valid or not, goes through the schema, which owns
    every error message. Marshmallow was a quarter of a single transfer's Python time.
    """
    if not _TRANSFER_KEYS.issuperset(data):
        return None
    debit, credit, amount = data.get("debit"), data.get("credit"), data.get("amount")
    if type(debit) is not str or type(credit) is not str or debit == credit:
        return None
    if not (ID_RE.match(debit) and ID_RE.match(credit)):
        return None
    if type(amount) is not int or not 1 <= amount <= MAX_SAFE_INTEGER:
        return None
    texts = {}
    for name, longest in _TRANSFER_OPTIONAL.items():
        text = data.get(name, "")
        if type(text) is not str or len(text) > longest:
            return None
        texts[name] = text
    personal = data.get("personal", False)
    if type(personal) is not bool:
        return None
    ids = {}
    for name in ("request_id", "transfer_id"):
        value = data.get(name)
        if value is not None and (type(value) is not str or not ID_RE.match(value)):
            return None
        ids[name] = value
    tid = ids["transfer_id"] or ""
    if tid.startswith("hold:") or tid.endswith(":reversal"):
        return None
    return {
        "debit": debit,
        "credit": credit,
        "amount": amount,
        "code": texts["code"],
        "memo": texts["memo"],
        "details": {},
        "personal": personal,
        "request_id": ids["request_id"],
        "transfer_id": ids["transfer_id"],
    }


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out.update(_flatten(value, name))
    return out
