"""Time one command as a user runs it and report its own peak memory: ``python -I -S spawn.py``.

Run as a *script* in a bare interpreter (``-I -S``: no site, no project imports), so this process
stays at a few MB. Why a separate small process: Linux carries the high-water mark of whatever
process forked and ``exec``-ed a child into the child's ``ru_maxrss``, so a command started
straight from the benchmark runner (hundreds of MB after importing pandas) would report at
least the runner's size. Started from here it inherits only these few MB, and ``wait4`` gives
its real peak. The child is also watched (``VmRSS`` every 20 ms) and killed above a limit, so
a case that does not meet its memory target yet cannot take the shared machine down with it.

Usage: ``spawn.py KILL_ABOVE_MB CWD ARGV...``; prints one JSON line: seconds, peak_mb, status,
killed, and the last lines of the command's stderr.
"""

import json
import os
import signal
import sys
import time


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    limit_mb, cwd, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    err_path = os.path.join(cwd, f".spawn-stderr-{os.getpid()}")
    err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_WRONLY)
    os.chdir(cwd)
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
        (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, err, 2)])  # fmt: skip
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if not killed and _rss_mb(pid) > limit_mb:
            os.kill(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    os.close(err)
    with open(err_path, encoding="utf-8", errors="replace") as handle:
        tail = handle.read()[-2000:]
    os.unlink(err_path)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "status": code,
                      "killed": killed, "stderr": tail}))  # fmt: skip


if __name__ == "__main__":
    main()
