"""``python -m ledger.cli``: the ``ledger`` command line."""

from . import main

if __name__ == "__main__":
    main()
