"""The editor's Check in a child process, with a time and a memory limit.

The board's editor checks text a person typed or pasted. A thread would keep
the event loop turning, but not safe: a text built to be slow holds the GIL
(every alarm waits behind it) and one built to be big takes the whole
machine's memory. So the text is first checked in a child process
(`python -m escalator.config.sandbox`) that caps its own address space
(`CHECK_MEMORY`) and CPU time (`CHECK_SECONDS`, counted by the kernel, so a
busy machine does not make a good text fail), and is killed if it has not
answered within `CHECK_WALL` seconds; its answer is the problems and
warnings. Only a text that passed there is read again in the service (in a
worker thread) to get the `Config` the editor simulates and saves: by then it
is known to be small and quick.

The child gets the text, the file name and the environment mapping on stdin
(a pickle from its own parent) and answers with a pickle on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import resource
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from escalator.config.problem import ConfigProblem

log = logging.getLogger(__name__)
CHECK_SECONDS = 10  # CPU seconds: a facility's config checks in well under one
CHECK_WALL = 60.0  # a child that neither answers nor uses CPU (stuck) is killed after this
CHECK_MEMORY = 512 * 1024 * 1024  # address space of the child: the interpreter and a 1 MB text
OUT_OF_MEMORY = 3  # the child's exit status when the text needed more than CHECK_MEMORY


@dataclass(frozen=True)
class Verdict:
    """The child's answer: problems (empty: the text checks) and warnings."""

    problems: tuple[ConfigProblem, ...]
    warnings: tuple[str, ...]


async def check_in_child(text: str, filename: str, env: Mapping[str, str], *,
                         strict_secrets: bool, seconds: int = CHECK_SECONDS,
                         memory: int = CHECK_MEMORY) -> Verdict:
    """Check `text` in a child process; past the limits, one problem that says which."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "escalator.config.sandbox", str(memory), str(seconds),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    request = pickle.dumps((text, filename, dict(env), strict_secrets))
    try:
        out, err = await asyncio.wait_for(proc.communicate(request), CHECK_WALL)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return _limit(filename, "cfg.check_too_slow", seconds=f"{CHECK_WALL:g}")
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # past its CPU time
        return _limit(filename, "cfg.check_too_slow", seconds=seconds)
    if proc.returncode == OUT_OF_MEMORY:
        return _limit(filename, "cfg.check_too_big", mib=memory // (1024 * 1024))
    if proc.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
        log.warning("the config check's child process failed (%s): %s", proc.returncode,
                    last[0][:300])
        return _limit(filename, "cfg.check_failed", status=proc.returncode)
    problems, warnings = pickle.loads(out)  # noqa: S301 - our own child's answer
    return Verdict(tuple(problems), tuple(warnings))


def _limit(filename: str, code: str, **params: object) -> Verdict:
    return Verdict((ConfigProblem(filename, 0, "", code, params),), ())


def _child(memory: int, seconds: int) -> int:
    # The code is loaded before the limits: they bound what the text makes, not imports.
    from escalator.config.checking import check_text

    text, filename, env, strict = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    try:
        # bounds only: which channels can send is the running service's to say, after
        checked = check_text(text, filename, env=env, strict_secrets=strict, ready=None)
        answer = pickle.dumps((list(checked.problems), list(checked.warnings)))
    except (MemoryError, SystemError):  # SystemError: an allocation refused inside C code
        return OUT_OF_MEMORY
    sys.stdout.buffer.write(answer)
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2])))
