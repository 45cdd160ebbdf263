"""Rendering shared by every surface (Slack handlers, the scheduler, the command line)."""
