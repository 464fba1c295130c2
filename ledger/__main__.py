"""``python -m ledger``: the same command line as the ``ledger`` console script."""

from .cli import main

if __name__ == "__main__":
    main()
