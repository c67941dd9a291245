"""The config in force while the service runs: watched on disk, reloaded, edited from the
board, audited, and an alarm while the file is broken.
"""
