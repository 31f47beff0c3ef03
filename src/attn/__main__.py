"""``python -m attn`` runs the ``attn`` command line."""

from attn.cli import main

main()
