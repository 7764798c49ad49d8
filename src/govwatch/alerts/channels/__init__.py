"""Notification channels: one module per kind, each ``async def send(channel, message) -> Delivery``."""
