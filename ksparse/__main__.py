"""``python -m ksparse ...`` runs the command line of :mod:`ksparse.cli`."""
import sys

from .cli import main

sys.exit(main())
