"""The one configuration object: a frozen dataclass tree, defaults in code, an optional TOML file on top,
and environment variables on top of that (the home directory and secrets).

Precedence, lowest first: defaults here → TOML file → `SUPPORTLOOP__SECTION__KEY` variables →
`SUPPORTLOOP_HOME` and the named secret variables. Every field documents itself through its `help`
metadata, which also feeds `supportloop config reference` and the README's configuration table.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from supportloop.errors import ConfigError

DEFAULT_HOME = "~/.supportloop"
CONFIG_FILE_NAME = "supportloop.toml"
ENV_PREFIX = "SUPPORTLOOP__"

DEFAULT_SYSTEM_PROMPT = (
    "You are the customer support assistant of ShopNest. Answer briefly and politely, "
    "and only help with ShopNest orders, products and policies."
)


def option(default: Any, help: str, *, choices: tuple = (), minimum: float | None = None,
           maximum: float | None = None, secret_env: str = "") -> Any:
    """A config field with its documentation and the checks its values must pass."""
    metadata = {"help": help, "choices": choices, "min": minimum, "max": maximum, "secret_env": secret_env}
    if isinstance(default, (list, dict)):
        raise TypeError("mutable defaults are not allowed in the frozen config")
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class CorpusConfig:
    policy_file: str = option("", "Store policy TOML the corpus is generated from; empty means the bundled corpus/policy.toml.")
    seed: int = option(0, "Seed of the corpus generator (the same seed and policy give the same corpus).", minimum=0)
    conversations: int = option(3200, "Number of conversations to generate.", minimum=100, maximum=1_000_000)


@dataclass(frozen=True)
class BuiltinModelConfig:
    vocab_size: int = option(4096, "Byte-level BPE vocabulary size of the self-built tokenizer.", minimum=512, maximum=65536)
    hidden_size: int = option(192, "Hidden size of the self-built Llama-architecture model.", minimum=32)
    num_layers: int = option(4, "Transformer layers.", minimum=1, maximum=64)
    num_heads: int = option(6, "Attention heads (hidden_size / num_heads must be a head size vLLM supports, e.g. 32, 64, 128).", minimum=1)
    num_kv_heads: int = option(2, "Key/value heads (grouped-query attention); must divide num_heads.", minimum=1)
    intermediate_size: int = option(512, "MLP inner size.", minimum=32)
    max_position_embeddings: int = option(1024, "Context window of the built model in tokens.", minimum=128)
    train_steps: int = option(840, "Optimizer steps of base training (the default fits the 5-minute budget on 2 cores).", minimum=1)
    batch_size: int = option(8, "Packed sequences per optimizer step (at a fixed budget, more and smaller steps gave better answers: 8 x 840 steps 0.79 of golden policy facts, 16 x 360 0.66, 4 x 1500 0.73).", minimum=1)
    seq_len: int = option(256, "Length of the packed training sequences in tokens.", minimum=32)
    learning_rate: float = option(3e-3, "Peak learning rate (AdamW, linear warmup, cosine decay).", minimum=0.0)
    warmup_steps: int = option(20, "Linear warm-up steps.", minimum=0)
    loss_on: str = option("assistant", "Tokens the training loss covers: 'assistant' (answers only) or 'all' (the whole conversation).",
                          choices=("assistant", "all"))
    seed: int = option(0, "Seed for initialisation and data order (the build is deterministic).", minimum=0)
    threads: int = option(0, "CPU threads for training; 0 means all cores.", minimum=0)


@dataclass(frozen=True)
class ServeConfig:
    host: str = option("127.0.0.1", "Address the app listens on.")
    port: int = option(7860, "Port of the app (customer chat, agent console, API).", minimum=1, maximum=65535)
    engine_url: str = option("", "URL of an external vLLM OpenAI-compatible server (e.g. a load balancer over replicas); empty means supportloop starts and supervises its own.")
    engine_port: int = option(8100, "Port of the vLLM server supportloop starts; it binds to 127.0.0.1 only.", minimum=1, maximum=65535)
    engine_api_key: str = option("", "API key of the vLLM server (secret).", secret_env="SUPPORTLOOP_ENGINE_API_KEY")
    device: str = option("auto", "Where vLLM runs: 'auto' (GPU if torch sees CUDA), 'cpu' or 'gpu'.", choices=("auto", "cpu", "gpu"))
    dtype: str = option("auto", "Model dtype in vLLM: 'auto' is float32 on CPU and bfloat16 on GPU.", choices=("auto", "float32", "bfloat16", "float16"))
    max_model_len: int = option(1024, "Context window vLLM serves, in tokens (at most the model's).", minimum=64)
    max_lora_rank: int = option(16, "Largest LoRA rank the engine accepts; adapters above it are rejected.", choices=(8, 16, 32, 64, 128, 256))
    max_loras: int = option(4, "LoRA adapters the engine keeps loaded at once (at least 2: production and canary).", minimum=2)
    gpu_memory_utilization: float = option(0.9, "Share of GPU memory vLLM may take (GPU hosts).", minimum=0.05, maximum=1.0)
    cpu_kvcache_space_gib: int = option(1, "KV-cache size in GiB on CPU hosts (VLLM_CPU_KVCACHE_SPACE).", minimum=1)
    engine_startup_timeout_s: float = option(300.0, "How long to wait for the engine to become ready.", minimum=1.0)
    system_prompt: str = option(DEFAULT_SYSTEM_PROMPT, "System prompt put before every conversation (and used in training).")
    temperature: float = option(0.0, "Sampling temperature of answers (0 = greedy).", minimum=0.0, maximum=2.0)
    top_p: float = option(1.0, "Nucleus sampling share.", minimum=0.0, maximum=1.0)
    max_tokens: int = option(160, "Longest answer in tokens.", minimum=1)
    chat_concurrency: int = option(64, "Chat answers generated at once (vLLM batches them); more wait in the queue.", minimum=1)
    queue_max_size: int = option(256, "Chat requests that may wait in the queue; beyond it customers are told the service is full.", minimum=1)
    max_message_chars: int = option(4000, "Longest customer message in characters; longer ones are refused politely.", minimum=1)
    messages_per_minute: int = option(20, "Messages one customer session may send per minute.", minimum=1)
    messages_per_minute_per_address: int = option(120, "Messages all sessions of one client address may send per minute.", minimum=1)
    ratings_per_minute: int = option(30, "Ratings one customer session (and 4x that per client address) may give per minute.", minimum=1)
    registry_poll_s: float = option(0.25, "How often the registry aliases are checked for a promotion or rollback (seconds).", minimum=0.05, maximum=2.0)
    preload_newest_version: bool = option(True, "Load the newest registered version into the engine before it is promoted, so a promotion only switches routing (it takes one of serve.max_loras adapter slots until it idles out).")
    adapter_idle_unload_s: float = option(900.0, "Seconds without a turn after which a version no longer routed is unloaded from the engine.", minimum=0.0)
    stream_interval_s: float = option(0.1, "Shortest time between two screen updates of a streaming answer (fewer updates: less CPU per answer).", minimum=0.0, maximum=2.0)
    stream_updates_per_s: float = option(25.0, "Most screen updates per second of streaming answers, summed over all chats: with many chats at once each one updates less often (every update costs the app CPU that the engine needs).", minimum=1.0)
    engine_restart_max_delay_s: float = option(30.0, "Longest wait between restarts of a vLLM engine that keeps dying (backoff doubles up to it).", minimum=0.5)


@dataclass(frozen=True)
class FeedbackConfig:
    db_file: str = option("feedback.duckdb", "Feedback database file, relative to the home directory.")
    ingest_interval_s: float = option(0.5, "How often journaled feedback is applied to DuckDB (seconds).", minimum=0.05)
    journal_lanes: int = option(2, "Journal files per writer process (more lanes: fewer waits behind another fsync).", minimum=1, maximum=16)
    journal_segment_mb: int = option(64, "Size at which a journal file is rotated, in MiB.", minimum=1)
    reader_timeout_s: float = option(30.0, "How long readers (nightly job, CLI) retry while the database is briefly locked.", minimum=0.0)
    session_ttl_minutes: int = option(480, "How long an agent's console login lasts before they must log in again (minutes).", minimum=1, maximum=7 * 24 * 60)
    session_secret: str = option("", "Key that signs agents' console session cookies (secret; 32+ random characters). Empty: a random key per app process, so logins end when the app restarts and several app processes do not share them.", secret_env="SUPPORTLOOP_SESSION_SECRET")
    agent_cache_s: float = option(5.0, "How long the app caches the agent list; a disabled agent or a replaced API token stops working within this time.", minimum=0.0, maximum=300.0)
    console_concurrency: int = option(8, "Agents' console requests (queue, open a conversation, save) handled at once across all agents: each is a short DuckDB read or a journal write, and with one at a time every agent waits for the others'.", minimum=1, maximum=64)
    cookie_secure: bool = option(False, "Mark the console session cookie Secure (set true when the app is served over HTTPS).")


@dataclass(frozen=True)
class RetrainConfig:
    lora_rank: int = option(8, "LoRA rank of trained adapters (must not exceed serve.max_lora_rank).", minimum=1)
    lora_alpha: int = option(16, "LoRA alpha.", minimum=1)
    lora_dropout: float = option(0.05, "LoRA dropout.", minimum=0.0, maximum=0.9)
    target_modules: tuple[str, ...] = option(
        ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
        "Module names LoRA attaches to.")
    learning_rate: float = option(2e-3, "Peak learning rate of adapter training.", minimum=0.0)
    lr_scheduler: str = option("cosine", "Learning-rate schedule after warm-up.", choices=("cosine", "linear", "constant"))
    warmup_steps: int = option(10, "Linear warm-up steps.", minimum=0)
    weight_decay: float = option(0.0, "AdamW weight decay.", minimum=0.0)
    batch_size: int = option(16, "Examples per device step.", minimum=1)
    gradient_accumulation: int = option(1, "Steps whose gradients are summed before an optimizer step.", minimum=1)
    epochs: float = option(3.0, "Passes over the training set (ignored when max_steps > 0).", minimum=0.0)
    max_steps: int = option(0, "Optimizer steps; 0 means run `epochs` epochs.", minimum=0)
    max_length: int = option(512, "Longest training example in tokens; longer ones are dropped and counted.", minimum=16)
    eval_steps: int = option(20, "Validation loss every this many optimizer steps.", minimum=1)
    early_stopping_patience: int = option(3, "Stop after this many validations without improvement; 0 disables.", minimum=0)
    precision: str = option("auto", "'auto' is bf16 on GPUs that support it and fp32 on CPU.", choices=("auto", "fp32", "bf16"))
    seed: int = option(0, "Seed of dataset shuffling and adapter initialisation.", minimum=0)
    feedback_window_days: float = option(0.0, "Train on feedback from conversations of the last this many days only (a policy that changed again leaves old corrections stating the old one); 0 takes all of it.", minimum=0.0)
    min_examples: int = option(20, "Fewer usable training examples than this is 'nothing to train' (exit code 3): no adapter is trained or registered.", minimum=1)
    min_agent_stars: int = option(4, "An answer agents rated at least this many stars (1-5) becomes a training target.", minimum=1, maximum=5)
    correction_weight: float = option(1.0, "Loss weight of an agent's corrected answer.", minimum=0.0)
    agent_rated_weight: float = option(1.0, "Loss weight of an answer agents rated highly.", minimum=0.0)
    customer_thumbs_weight: float = option(0.3, "Loss weight of an answer only a customer liked (customers cannot check facts).", minimum=0.0)
    max_examples_per_customer: int = option(20, "Most customer-liked examples taken from one customer (one eager voter must not steer the model).", minimum=0)
    max_intent_share: float = option(0.35, "Largest share of the training examples one intent may have; bigger intents are downsampled deterministically.", minimum=0.05, maximum=1.0)
    validation_share: float = option(0.1, "Share of conversations in the validation split (by a hash of the conversation id: stable night after night).", minimum=0.0, maximum=0.5)
    test_share: float = option(0.1, "Share of conversations in the held-out test split the evaluation uses; they are never trained on.", minimum=0.0, maximum=0.5)
    replay_ratio: float = option(1.0, "Examples the built-in base model was trained on, replayed per training example from feedback (a few hundred examples seen many times make the model forget what they do not cover); answers stating what the store no longer says are never replayed. 0 disables; an external base model has none.", minimum=0.0, maximum=10.0)
    replay_weight: float = option(1.0, "Loss weight of a replayed example.", minimum=0.0)
    near_duplicate_threshold: float = option(0.85, "Examples whose prompt and answer are this similar (MinHash Jaccard of word 3-grams) to a kept one are dropped as near-duplicates.", minimum=0.5, maximum=1.0)
    scrub_pii: bool = option(True, "Replace e-mails, phone numbers, card numbers, IBANs and addresses by typed placeholders before training.")


@dataclass(frozen=True)
class EvalConfig:
    confidence: float = option(0.95, "Confidence level of the gate's bootstrap intervals.", minimum=0.5, maximum=0.999)
    bootstrap_samples: int = option(2000, "Paired bootstrap resamples.", minimum=100)
    canary_share: float = option(0.2, "Share of new conversations sent to a canary version.", minimum=0.0, maximum=1.0)
    primary_metric: str = option("rougeL", "Metric the gate compares candidate and production on.", choices=("rougeL", "chrf", "policy_accuracy"))
    non_inferiority_margin: float = option(0.0, "0: promote only a candidate significantly better than production; above 0: also one not worse by more than this (the interval's lower bound above -margin).", minimum=0.0, maximum=0.5)
    guard_tolerance: float = option(0.03, "Most a guard metric (golden set, hard cases, policy facts) may drop against production; a larger drop rejects when its paired interval also lies below zero (not noise).", minimum=0.0, maximum=1.0)
    intent_floor_tolerance: float = option(0.08, "Most the primary metric of any one intent or persona may drop against production; a larger drop rejects when its paired interval also lies below zero (not noise).", minimum=0.0, maximum=1.0)
    max_pii_leaks: int = option(0, "Generated answers with PII (e-mail, phone, card, IBAN) a candidate may have beyond production's.", minimum=0)
    min_test_examples: int = option(30, "Fewer paired evaluation examples than this: the gate rejects for lack of evidence.", minimum=1)
    max_test_examples: int = option(400, "Most held-out feedback examples scored per evaluation (a deterministic sample).", minimum=1)
    golden_examples: int = option(200, "Golden-set conversations from the corpus scored per evaluation.", minimum=0)
    max_new_tokens: int = option(128, "Longest generated answer during evaluation.", minimum=1)
    reuse_answers: bool = option(True, "Reuse the answers a model (the base, or a version's unchanged adapter) gave to the same prompt under the same generation settings in an earlier evaluation instead of generating them again: decoding is greedy, and the night after a release base and production are last night's models. Kept under runs/eval/answers/.")
    generation_engine: str = option("serving", "Engine that writes the evaluation's answers: 'serving' uses the running serving engine when it serves the same base model (no second engine in memory; the versions are loaded under eval- names and unloaded after, and customers share the engine meanwhile), else starts one; 'own' always starts a short-lived engine.", choices=("serving", "own"))
    monitor_enabled: bool = option(True, "Let the monitor act on its own (promote a good canary, roll back a bad version); false only reports.")
    monitor_alpha: float = option(0.05, "Error rate of the monitor's sequential tests (valid however often it looks).", minimum=0.001, maximum=0.5)
    monitor_min_ratings: int = option(100, "Ratings a canary needs before the monitor may promote it.", minimum=1)
    monitor_margin: float = option(0.05, "How much lower a canary's satisfaction may be than production's and still count as not worse.", minimum=0.0, maximum=0.5)
    monitor_interval_s: float = option(300.0, "Seconds between checks of `supportloop monitor --watch`.", minimum=1.0)


@dataclass(frozen=True)
class SupportloopConfig:
    home: str = option(DEFAULT_HOME, "Home directory of all state (feedback, registry, models, runs); SUPPORTLOOP_HOME overrides it.")
    base_model: str = option("builtin", "'builtin' builds a small model from the bundled corpus; otherwise a Hugging Face hub id or a local model directory.")
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    builtin_model: BuiltinModelConfig = field(default_factory=BuiltinModelConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    retrain: RetrainConfig = field(default_factory=RetrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)

    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()


def find_config_file(explicit: str | None, env: typing.Mapping[str, str]) -> Path | None:
    """The file to read: --config, else $SUPPORTLOOP_CONFIG, else ./supportloop.toml, else one in the home."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    if env.get("SUPPORTLOOP_CONFIG"):
        return find_config_file(env["SUPPORTLOOP_CONFIG"], {})
    for candidate in (Path.cwd() / CONFIG_FILE_NAME,
                      Path(env.get("SUPPORTLOOP_HOME", DEFAULT_HOME)).expanduser() / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(explicit_file: str | None = None, env: typing.Mapping[str, str] | None = None) -> SupportloopConfig:
    """Resolve the configuration from defaults, the TOML file and the environment; raise ConfigError naming the bad key."""
    env = os.environ if env is None else env
    path = find_config_file(explicit_file, env)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        _refuse_secrets_in_file(SupportloopConfig, data, str(path), "")
    config = build_section(SupportloopConfig, data, "", str(path) if path else "defaults")
    config = apply_env_overrides(config, env)
    return config


def build_section(cls: type, data: Any, prefix: str, source: str) -> Any:
    """Build one dataclass section from a TOML table, checking every key, type and bound."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: '{prefix.rstrip('.') or 'config'}' must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            raise ConfigError(f"{source}: unknown key '{prefix}{key}'{hint}")
    values = {}
    for name, spec in known.items():
        if name not in data:
            continue
        if is_dataclass(hints[name]):
            values[name] = build_section(hints[name], data[name], f"{prefix}{name}.", source)
        else:
            values[name] = coerce_value(data[name], hints[name], spec, f"{prefix}{name}", source)
    return cls(**values)


def coerce_value(raw: Any, typ: Any, spec: Any, key: str, source: str, from_env: bool = False) -> Any:
    """Check (and, for strings from the environment, convert) one value against its field."""
    try:
        value = _convert(raw, typ, from_env)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: '{key}' {exc}") from None
    meta = spec.metadata
    if meta.get("choices") and value not in meta["choices"]:
        raise ConfigError(f"{source}: '{key}' must be one of {', '.join(map(str, meta['choices']))}, not {value!r}")
    if meta.get("min") is not None and value < meta["min"]:
        raise ConfigError(f"{source}: '{key}' must be at least {meta['min']}, not {value!r}")
    if meta.get("max") is not None and value > meta["max"]:
        raise ConfigError(f"{source}: '{key}' must be at most {meta['max']}, not {value!r}")
    return value


def _convert(raw: Any, typ: Any, from_env: bool) -> Any:
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        if from_env and raw.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return raw.lower() in ("1", "true", "yes", "on")
        raise TypeError(f"must be true or false, not {raw!r}")
    if typ is int:
        if from_env:
            return _parse(int, raw, "an integer")
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError(f"must be an integer, not {raw!r}")
        return raw
    if typ is float:
        if from_env:
            return _parse(float, raw, "a number")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise TypeError(f"must be a number, not {raw!r}")
        return float(raw)
    if typ is str:
        if not isinstance(raw, str):
            raise TypeError(f"must be a string, not {raw!r}")
        return raw
    if typing.get_origin(typ) is tuple:
        items = [part.strip() for part in raw.split(",") if part.strip()] if from_env else raw
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise TypeError(f"must be a list of strings, not {raw!r}")
        return tuple(items)
    raise TypeError(f"has an unsupported type {typ}")  # a programming error in the dataclasses above


def _parse(kind: type, text: str, what: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"must be {what}, not {text!r}") from None


def apply_env_overrides(config: SupportloopConfig, env: typing.Mapping[str, str]) -> SupportloopConfig:
    """`SUPPORTLOOP__SERVE__PORT=8000` style overrides, then SUPPORTLOOP_HOME and the secret variables."""
    for name, raw in sorted(env.items()):
        if name.startswith(ENV_PREFIX):
            path = name[len(ENV_PREFIX):].lower().split("__")
            config = _override(config, path, raw, f"environment variable {name}")
    if env.get("SUPPORTLOOP_HOME"):
        config = replace(config, home=env["SUPPORTLOOP_HOME"])
    for section_name, spec in _secret_fields(SupportloopConfig):
        if env.get(spec.metadata["secret_env"]):
            config = _override(config, section_name.split(".") + [spec.name], env[spec.metadata["secret_env"]],
                               f"environment variable {spec.metadata['secret_env']}", allow_secret=True)
    return config


def _override(obj: Any, path: list[str], raw: str, source: str, allow_secret: bool = False) -> Any:
    known = {f.name: f for f in fields(obj)}
    key = path[0]
    if key not in known:
        raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(known)})")
    spec = known[key]
    hint = typing.get_type_hints(type(obj))[key]
    if is_dataclass(hint):
        if len(path) < 2:
            raise ConfigError(f"{source}: '{key}' is a section; name a key in it, e.g. SUPPORTLOOP__{key.upper()}__...")
        return replace(obj, **{key: _override(getattr(obj, key), path[1:], raw, source, allow_secret)})
    if len(path) > 1:
        raise ConfigError(f"{source}: '{key}' is not a section")
    if spec.metadata.get("secret_env") and not allow_secret:
        raise ConfigError(f"{source}: '{key}' is a secret; set it with {spec.metadata['secret_env']}")
    return replace(obj, **{key: coerce_value(raw, hint, spec, key, source, from_env=True)})


def _secret_fields(cls: type, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    hints = typing.get_type_hints(cls)
    for spec in fields(cls):
        if is_dataclass(hints[spec.name]):
            found += _secret_fields(hints[spec.name], f"{prefix}{spec.name}.")
        elif spec.metadata.get("secret_env"):
            found.append((prefix.rstrip("."), spec))
    return found


def _refuse_secrets_in_file(cls: type, data: dict, source: str, prefix: str) -> None:
    """Secrets belong in the environment (or a secret store), never in a file that gets committed or copied."""
    hints = typing.get_type_hints(cls)
    for spec in fields(cls):
        value = data.get(spec.name) if isinstance(data, dict) else None
        if value is None:
            continue
        if is_dataclass(hints[spec.name]):
            _refuse_secrets_in_file(hints[spec.name], value, source, f"{prefix}{spec.name}.")
        elif spec.metadata.get("secret_env"):
            raise ConfigError(f"{source}: '{prefix}{spec.name}' is a secret; set it with the environment variable "
                              f"{spec.metadata['secret_env']} instead of the config file")


def config_as_dict(config: SupportloopConfig, *, mask_secrets: bool = True) -> dict[str, Any]:
    """The resolved config as plain data (tuples as lists), secrets masked, ready for TOML or JSON."""
    data = asdict(config)
    if mask_secrets:
        for section_name, spec in _secret_fields(SupportloopConfig):
            section = data
            for part in filter(None, section_name.split(".")):
                section = section[part]
            if section[spec.name]:
                section[spec.name] = "***"
    return _listify(data)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _listify(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_listify(item) for item in value]
    return value


def config_reference(cls: type = SupportloopConfig, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, help) for every field, in declaration order: the source of the README's table."""
    rows = []
    hints = typing.get_type_hints(cls)
    for spec in fields(cls):
        if is_dataclass(hints[spec.name]):
            rows += config_reference(hints[spec.name], f"{prefix}{spec.name}.")
            continue
        default = spec.default if spec.default is not MISSING else spec.default_factory()  # type: ignore[misc]
        text = spec.metadata.get("help", "")
        if spec.metadata.get("secret_env"):
            text += f" Only from the environment variable `{spec.metadata['secret_env']}`."
        rows.append((prefix + spec.name, repr(_listify(default)) if not isinstance(default, str) else repr(default), text))
    return rows

