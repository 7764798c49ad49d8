"""Allow ``python -m govwatch``."""

from govwatch.commands.main import main

raise SystemExit(main())
