"""How the running service is seen from outside: metrics, liveness, systemd's watchdog, the
dead man's switch, and log lines kept few.
"""
