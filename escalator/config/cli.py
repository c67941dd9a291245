"""`escalator config check FILE` and `escalator config schema`.

`check` is what a facility manager runs after editing the file, so its
output is the problems, one per line, in file order, and nothing else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import TextIO

from escalator.config.model import Config
from escalator.config.schema import json_schema


def cmd_check(
    path: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
    env: Mapping[str, str] | None = None,
) -> int:
    """0 when the file loads (warnings are printed but do not fail it), else 1.

    The board's editor checks through the same `checking.check_text`, so both
    say the same thing."""
    from escalator.config.checking import check_file

    checked = check_file(path, env=env)
    if not checked.ok:
        for problem in checked.problems:
            print(problem.text, file=err)
        for warning in checked.warnings:
            print(f"warning: {warning}", file=err)
        count = len(checked.problems)
        print(f"{path}: {count} problem{'' if count == 1 else 's'}", file=err)
        return 1
    assert checked.config is not None
    print(f"{path}: OK — {summary(checked.config)}", file=out)
    for warning in checked.warnings:
        print(f"warning: {warning}", file=out)
    return 0


def summary(config: Config) -> str:
    counts = (
        (len(config.sources), "source", "sources"),
        (len(config.parties), "party", "parties"),
        (len(config.rosters), "roster", "rosters"),
        (len(config.ladders), "ladder", "ladders"),
        (len(config.routes), "route", "routes"),
    )
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


def cmd_schema(out: TextIO = sys.stdout) -> int:
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False), file=out)
    return 0
