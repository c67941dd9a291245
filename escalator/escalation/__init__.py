"""The escalation service: load from storage, decide with the domain's rules, persist,
poke; with its group commit and maintenance holds.
"""
