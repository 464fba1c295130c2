"""``Scheme``: the base of a scheme plugin's facade (``TimeBank(ledger, "riverside")``)."""

from __future__ import annotations

from typing import ClassVar, Optional

from ..errors import UnknownScheme
from ..ledger import Ledger
from ..results import SchemeInfo
from .errors import NotInScheme


def step_id(request_id: Optional[str], step: str) -> Optional[str]:
    """A request id per step of a multi-command call (``<id>.<step>``), so a retry replays what was done."""
    return None if request_id is None else f"{request_id}.{step}"


class Scheme:
    """One scheme of the subclass's ``kind`` on a ``Ledger``: the ledger, the name, its accounts.

    Accounts are named ``<scheme>:<role>``; ``NotInScheme`` is raised for a scheme of another kind.
    """

    #: The scheme kind the subclass's plugin declares.
    kind: ClassVar[str] = ""
    #: How the kind is called in messages ("a time bank").
    kind_text: ClassVar[str] = ""
    #: What a caller should do instead, appended to the refusal ("create one with TimeBank.create").
    create_hint: ClassVar[str] = ""

    def __init__(self, ledger: Ledger, name: str) -> None:
        self.ledger, self.name = ledger, name
        info = self.info()
        if info.kind != self.kind:
            text = self.kind_text or f"a {self.kind} scheme"
            hint = f"; {self.create_hint}" if self.create_hint else ""
            raise NotInScheme(self.kind, name, f"scheme {name!r} is a {info.kind!r} scheme, not {text}{hint}")

    def info(self) -> SchemeInfo:
        info = self.ledger.scheme_info(self.name)
        if info is None:  # scheme_info raises UnknownScheme itself; this narrows the type
            raise UnknownScheme(self.name)
        return info

    def account(self, role: str) -> str:
        """The account id of ``role`` (a member, ``issuer``, ``escrow``): ``<scheme>:<role>``."""
        return f"{self.name}:{role}"

    def role_of(self, account: str) -> Optional[str]:
        """``"alice"`` for ``"<scheme>:alice"``; ``None`` for an account not named in this scheme."""
        prefix = f"{self.name}:"
        role = account[len(prefix):] if account.startswith(prefix) else ""
        return role or None

    def owns(self, account: str) -> bool:
        """Whether ``account`` exists and is in this scheme."""
        found = self.ledger.account(account, missing_ok=True)
        return found is not None and found.scheme == self.name


__all__ = ["Scheme", "step_id"]
