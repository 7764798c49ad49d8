"""The monitoring service: the scheduler and the ``govwatch serve`` process (docs/service.md)."""
