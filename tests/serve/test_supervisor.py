"""The engine supervisor with a stand-in engine: it waits for readiness, notices a death, restarts with backoff."""

import sys
import time
from pathlib import Path

from serve.engine import EngineLaunch, EngineProcess
from serve.supervisor import EngineSupervisor

from tests.serve.conftest import free_port


def test_a_dying_engine_is_restarted_and_reported(tmp_path):
    port = free_port()
    script = Path(__file__).with_name("fake_engine.py")
    # EngineProcess reads the port from --port, as in a real vLLM argv; fake_engine ignores the flag
    launch = EngineLaunch(argv=(sys.executable, str(script), str(port), str(tmp_path / "marker"), "--port", str(port)),
                          url=f"http://127.0.0.1:{port}")
    readiness = []
    supervisor = EngineSupervisor(EngineProcess(launch, tmp_path / "engine.log"), startup_timeout_s=20,
                                  max_delay_s=0.5, poll_s=0.1)
    supervisor.on_ready(lambda: readiness.append(time.monotonic()))
    supervisor.start(wait=True)
    try:
        assert supervisor.status == "ready" and len(readiness) == 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(readiness) < 2:
            time.sleep(0.05)
        assert len(readiness) == 2 and supervisor.restarts == 1 and supervisor.status == "ready"
        assert "exited with code 3" in supervisor.last_error
    finally:
        supervisor.stop()
    assert supervisor.status == "stopped" and not supervisor.engine.alive()
