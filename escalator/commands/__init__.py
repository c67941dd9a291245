"""Command-line commands that are more than a page: the demo, the ladder dry run and the
operator's audit/backup/restore.
"""
