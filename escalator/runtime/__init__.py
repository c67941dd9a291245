"""What keeps the service running on its injected clock: the loop, the waker and tick,
leadership, the store keeper, shutdown and the status it reports.
"""
