"""What keeps secrets and credentials safe: signed ack links, secrets kept out of logs, and
the one guarded HTTP client for outgoing fetches.
"""
