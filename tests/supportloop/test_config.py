"""The config tree: defaults, TOML, environment overrides, secrets, and errors that name the bad key."""

import json

import pytest

from supportloop.config import SupportloopConfig, config_as_dict, config_reference, load_config
from supportloop.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "supportloop.toml"
    path.write_text(text)
    return str(path)


def test_defaults_without_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(None, env={"SUPPORTLOOP_HOME": str(tmp_path / "home")})
    assert config.home == str(tmp_path / "home")
    assert config.base_model == "builtin"
    assert config.serve == SupportloopConfig().serve


def test_toml_values_are_read(tmp_path):
    path = write(tmp_path, '[serve]\nport = 9000\ntemperature = 0.5\n[retrain]\ntarget_modules = ["q_proj"]\n')
    config = load_config(path, env={})
    assert config.serve.port == 9000
    assert config.serve.temperature == 0.5
    assert config.retrain.target_modules == ("q_proj",)


def test_config_is_frozen():
    config = SupportloopConfig()
    with pytest.raises(AttributeError):
        config.serve.port = 1  # type: ignore[misc]


@pytest.mark.parametrize("text, message", [
    ("[serve]\nprot = 9000\n", "unknown key 'serve.prot' (did you mean 'serve.port'?)"),
    ("[srve]\nport = 9000\n", "unknown key 'srve' (did you mean 'serve'?)"),
    ("[serve]\nport = 'high'\n", "'serve.port' must be an integer"),
    ("[serve]\nport = 70000\n", "'serve.port' must be at most 65535"),
    ("[serve]\ndevice = 'tpu'\n", "'serve.device' must be one of auto, cpu, gpu"),
    ("[serve]\nmax_lora_rank = 12\n", "'serve.max_lora_rank' must be one of 8, 16"),
    ("serve = 3\n", "'serve' must be a table"),
    ("[retrain]\ntarget_modules = 'q_proj'\n", "'retrain.target_modules' must be a list of strings"),
    ("[serve]\nengine_api_key = 'hunter2'\n", "'serve.engine_api_key' is a secret; set it with the environment variable SUPPORTLOOP_ENGINE_API_KEY"),
    ("[serve\nport = 1\n", "not valid TOML"),
])
def test_invalid_files_name_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), env={})
    assert message in str(error.value)
    assert "supportloop.toml" in str(error.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.toml"), env={})


def test_environment_overrides_file_and_home(tmp_path):
    path = write(tmp_path, "home = '/from/file'\n[serve]\nport = 9000\n")
    env = {"SUPPORTLOOP__SERVE__PORT": "9100", "SUPPORTLOOP__RETRAIN__TARGET_MODULES": "q_proj, v_proj",
           "SUPPORTLOOP_HOME": str(tmp_path / "h"), "SUPPORTLOOP_ENGINE_API_KEY": "s3cret"}
    config = load_config(path, env=env)
    assert config.serve.port == 9100
    assert config.retrain.target_modules == ("q_proj", "v_proj")
    assert config.home == str(tmp_path / "h")
    assert config.serve.engine_api_key == "s3cret"


@pytest.mark.parametrize("name, value, message", [
    ("SUPPORTLOOP__SERVE__PORT", "eighty", "SUPPORTLOOP__SERVE__PORT: 'port' must be an integer"),
    ("SUPPORTLOOP__SERVE__NOPE", "1", "unknown key 'nope'"),
    ("SUPPORTLOOP__SERVE", "1", "'serve' is a section"),
    ("SUPPORTLOOP__SERVE__ENGINE_API_KEY", "x", "'engine_api_key' is a secret; set it with SUPPORTLOOP_ENGINE_API_KEY"),
])
def test_bad_environment_overrides_name_the_variable(tmp_path, monkeypatch, name, value, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as error:
        load_config(None, env={name: value})
    assert message in str(error.value)


def test_file_found_in_working_directory(tmp_path, monkeypatch):
    (tmp_path / "supportloop.toml").write_text("[serve]\nport = 9200\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None, env={}).serve.port == 9200


def test_shown_config_masks_secrets():
    config = load_config(None, env={"SUPPORTLOOP_ENGINE_API_KEY": "s3cret", "SUPPORTLOOP_HOME": "/tmp/x"})
    shown = json.dumps(config_as_dict(config))
    assert "s3cret" not in shown
    assert config_as_dict(config)["serve"]["engine_api_key"] == "***"


def test_reference_documents_every_key():
    keys = [key for key, _, _ in config_reference()]
    assert "serve.port" in keys and "builtin_model.hidden_size" in keys and "base_model" in keys
    assert all(text for _, _, text in config_reference()), "every field needs help text"
    assert len(keys) == len(set(keys))
