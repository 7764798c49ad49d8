"""The web dashboard and REST API of ``govwatch serve`` (docs/web.md)."""
