"""Reports for the facility and the purchaser: the safety register's exports and the
weekly summary (figures in `weekly.py`, formats in `render.py`, sending in `mail.py`,
the once-a-week schedule in `scheduler.py`)."""
