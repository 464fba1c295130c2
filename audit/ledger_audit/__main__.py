"""``python -m ledger_audit``: the ``ledger-audit`` command without installing a script."""

import sys

from .cli import main

sys.exit(main())
