"""The chat format every model of the embedded default speaks: ChatML-style turns and the template that renders them.

The template marks assistant text with `{% generation %}` so that `apply_chat_template(...,
return_assistant_tokens_mask=True)` can tell training code which tokens are the assistant's; vLLM, peft
and transformers all render prompts with this same template from the saved tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

END_OF_TEXT = "<|endoftext|>"
TURN_START = "<|im_start|>"
TURN_END = "<|im_end|>"
SPECIAL_TOKENS = (END_OF_TEXT, TURN_START, TURN_END)

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def with_system_prompt(messages: Sequence[dict], system_prompt: str) -> list[dict]:
    """Messages with the configured system prompt first (replacing one already there)."""
    rest = [dict(m) for m in messages if m["role"] != "system"]
    return ([{"role": "system", "content": system_prompt}] if system_prompt else []) + rest


def render_plain(messages: Iterable[dict]) -> str:
    """The template's output without a tokenizer, for tokenizer training (which happens before any tokenizer exists)."""
    return "".join(f"{TURN_START}{m['role']}\n{m['content']}{TURN_END}\n" for m in messages)
