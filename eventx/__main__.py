"""``python -m eventx``: the same as the ``eventx`` command."""

from eventx.cli import main

main()
