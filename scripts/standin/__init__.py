"""A local stand-in of the Telegram Bot API, and a harness that runs the real bot against it."""
