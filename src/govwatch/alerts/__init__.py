"""Alerts: events, the per-target alert state machine, routing, the outbox sender and channels (docs/service.md)."""
