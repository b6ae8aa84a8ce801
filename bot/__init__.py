"""Telegram edge: handlers that parse updates and render answers from the core library."""
