"""Allow ``python -m govwatch``."""

from govwatch.cli import main

raise SystemExit(main())
