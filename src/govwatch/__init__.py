"""govwatch: inspect and monitor Chinese government websites."""

__version__ = "0.1.0"
