"""`supportloop simulate` without a running app: a clear error, exit code 1, no traceback."""

import socket

from supportloop.cli import main


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_app_is_a_clear_error(tmp_path, capsys):
    url = f"http://127.0.0.1:{closed_port()}"
    assert main(["--home", str(tmp_path), "simulate", "--conversations", "2", "--url", url]) == 1
    err = capsys.readouterr().err
    assert f"the app at {url} is not reachable" in err and "Traceback" not in err


def test_bad_options_are_refused(tmp_path, capsys):
    assert main(["--home", str(tmp_path), "simulate", "--conversations", "2", "--thumbs-noise", "1.5"]) == 1
    assert "--thumbs-noise must be between 0 and 1" in capsys.readouterr().err
