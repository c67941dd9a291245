"""The dispatcher: one delivery attempt as a chain of small stages (claim, still wanted,
render, send, record, fall back). Not in notify/, which only sends: this package decides
whether and what to send and records what came of it."""
