"""`python -m risk ...`: the command line face of the library."""

from risk.cli import main

raise SystemExit(main())
