"""A small box for a benchmarked process: one core (CPU quota) and a memory limit.

The issue's box is `systemd-run -p CPUQuota=100% -p MemoryMax=256M`. Not every machine
runs systemd as PID 1 (containers, build hosts), so the box is made the first way that
works here: systemd-run (a transient scope), else a cgroup v2 group of our own, else a
cgroup v1 pair (cpu + memory). The process enters the box before `exec`, through a
small shell wrapper, so its start-up counts too and its pid is the service's own.

The box reads its figures from the kernel: memory now and at peak (the cgroup's, which
includes page cache the kernel can drop, and the process's own peak RSS), OOM kills,
and how often the quota throttled the process.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

CG = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class NoBox(RuntimeError):
    """No way to make the box on this machine; the message says what was tried."""


class Box:
    """One core and `memory_mb` MB for the process started through `wrap(args)`."""

    def __init__(self, memory_mb: int = 256, cores: float = 1.0, dedicated: bool = False
                 ) -> None:
        """`dedicated`: the box's CPU weight is raised (cgroup v1 cpu.shares 10240, v2
        cpu.weight / systemd CPUWeight 10000): on a shared host it gets its core when it
        wants it, as on a machine of its own; the quota still caps it at `cores`."""
        self.dedicated = dedicated
        self.memory = memory_mb * 1024 * 1024
        self.quota_us = int(cores * PERIOD_US)
        self.cores = cores
        self.name = f"escalator-smallbox-{os.getpid()}"
        self.kind = ""
        self.made: list[Path] = []  # cgroup directories we created (removed by close)
        self.pid: int | None = None
        tried = []
        for kind, make in (("systemd-run", self._systemd), ("cgroup v2", self._v2),
                           ("cgroup v1", self._v1)):
            why = make()
            if why is None:
                self.kind = kind
                return
            tried.append(f"{kind}: {why}")
        raise NoBox("cannot make a box of one core and "
                    f"{memory_mb} MB here; tried " + "; ".join(tried))

    # -- making it -------------------------------------------------------------------
    def _systemd(self) -> str | None:
        exe = shutil.which("systemd-run")
        if not exe:
            return "not installed"
        self._props = [f"-p CPUQuota={int(self.cores * 100)}%", f"-p MemoryMax={self.memory}",
                       *(["-p CPUWeight=10000"] if self.dedicated else [])]
        probe = subprocess.run([exe, "--scope", "--quiet", *" ".join(self._props).split(),
                                "true"],
                               capture_output=True, text=True, timeout=20)
        if probe.returncode:
            first = (probe.stderr.strip().splitlines() or ["failed"])[0]
            return f"{first} (exit {probe.returncode})"
        self._exe = exe
        return None

    def _v2(self) -> str | None:
        controllers = CG / "cgroup.controllers"
        if not controllers.is_file():
            return "no unified hierarchy at /sys/fs/cgroup"
        have = set(controllers.read_text().split())
        if not {"cpu", "memory"} <= have:
            return f"the unified hierarchy has no cpu/memory controller ({' '.join(have)})"
        group = CG / self.name
        try:
            (CG / "cgroup.subtree_control").write_text("+cpu +memory")
            group.mkdir()
            self.made.append(group)
            (group / "cpu.max").write_text(f"{self.quota_us} {PERIOD_US}")
            (group / "memory.max").write_text(str(self.memory))
            if self.dedicated:
                (group / "cpu.weight").write_text("10000")
        except OSError as exc:
            self.close()
            return f"{exc.strerror}: {exc.filename}"
        self._procs = [group / "cgroup.procs"]
        self._mem, self._cpu = group, group
        return None

    def _v1(self) -> str | None:
        cpu, mem = CG / "cpu", CG / "memory"
        if not (cpu / "cpu.cfs_quota_us").is_file() or not (mem / "memory.limit_in_bytes"
                                                             ).is_file():
            return "no cpu and memory hierarchies under /sys/fs/cgroup"
        try:
            for root in (cpu, mem):
                (root / self.name).mkdir()
                self.made.append(root / self.name)
            (cpu / self.name / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (cpu / self.name / "cpu.cfs_quota_us").write_text(str(self.quota_us))
            (mem / self.name / "memory.limit_in_bytes").write_text(str(self.memory))
            if self.dedicated:
                (cpu / self.name / "cpu.shares").write_text("10240")
        except OSError as exc:
            self.close()
            return f"{exc.strerror}: {exc.filename}"
        self._procs = [cpu / self.name / "cgroup.procs", mem / self.name / "cgroup.procs"]
        self._mem, self._cpu = mem / self.name, cpu / self.name
        return None

    def wrap(self, args: list[str]) -> list[str]:
        """`args` run inside the box (the same pid: the wrapper `exec`s them)."""
        if self.kind == "systemd-run":
            return [self._exe, "--scope", "--quiet", *" ".join(self._props).split(), *args]
        enter = "; ".join(f"echo $$ > {shlex.quote(str(p))} || exit 97" for p in self._procs)
        return ["sh", "-c", f'{enter}; exec "$@"', "sh", *args]

    def started(self, pid: int) -> None:
        """The boxed process is `pid`: with systemd-run, find the scope's cgroup."""
        self.pid = pid
        if self.kind != "systemd-run":
            return
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        paths = dict(line.split(":", 2)[1:] for line in lines)
        if "memory" in paths:  # a hybrid host: the v1 controllers hold the figures
            self._mem = CG / "memory" / paths["memory"].lstrip("/")
            self._cpu = CG / "cpu" / paths.get("cpu", paths.get("cpu,cpuacct", "")).lstrip("/")
        else:
            self._mem = self._cpu = CG / paths[""].lstrip("/")

    # -- reading it ------------------------------------------------------------------
    def _v1_files(self) -> bool:
        return (self._mem / "memory.usage_in_bytes").is_file()

    def memory_now(self) -> int:
        """Bytes charged to the box now (anonymous memory and page cache)."""
        name = "memory.usage_in_bytes" if self._v1_files() else "memory.current"
        return int((self._mem / name).read_text())

    def memory_peak(self) -> int | None:
        """Bytes charged at most since the box was made (None: the kernel does not say)."""
        name = "memory.max_usage_in_bytes" if self._v1_files() else "memory.peak"
        path = self._mem / name
        return int(path.read_text()) if path.is_file() else None

    def anon_and_cache(self) -> tuple[int, int]:
        """What is charged now: the process's own memory, and page cache (reclaimable)."""
        stat = dict(line.split() for line in (self._mem / "memory.stat").read_text()
                    .splitlines())
        if self._v1_files():
            return int(stat["rss"]), int(stat["cache"])
        return int(stat["anon"]), int(stat["file"])

    def oom_kills(self) -> int:
        path = self._mem / ("memory.oom_control" if self._v1_files() else "memory.events")
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def throttled(self) -> tuple[int, float]:
        """Periods the quota stopped the box, and for how long in all (seconds)."""
        stat = dict(line.split() for line in (self._cpu / "cpu.stat").read_text()
                    .splitlines())
        if "throttled_time" in stat:  # v1: nanoseconds
            return int(stat["nr_throttled"]), int(stat["throttled_time"]) / 1e9
        return int(stat.get("nr_throttled", 0)), int(stat.get("throttled_usec", 0)) / 1e6

    def close(self) -> None:
        """Remove the groups we made (the process in them must have ended)."""
        for group in reversed(self.made):
            try:
                group.rmdir()
            except OSError:
                pass
        self.made.clear()


def peak_rss(pid: int) -> tuple[int, int]:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)
