"""The engine child process never outlives supportloop: killing the app with -9 takes the engine with it."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from tests.processes import alive

PARENT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from serve.engine import EngineLaunch, EngineProcess
    # A stand-in engine: any long-running child goes through the same start() as vLLM.
    launch = EngineLaunch(argv=(sys.executable, "-c", "import time; time.sleep(120)", "--port", sys.argv[1]),
                          url="http://127.0.0.1:" + sys.argv[1])
    engine = EngineProcess(launch, Path(sys.argv[2]))
    engine.start()
    print(engine._process.pid, flush=True)
    time.sleep(120)
""")


def test_engine_dies_with_a_killed_app(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(port), str(tmp_path / "engine.log")],
                              stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    engine_pid = int(parent.stdout.readline())
    assert alive(engine_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(engine_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(engine_pid), "the engine outlived the app that started it"
