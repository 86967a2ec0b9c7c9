"""LoRA adapters made on the spot for tests and benchmarks that need versions which answer differently."""

from pathlib import Path


def make_adapter(model_dir, out_dir, seed: int) -> Path:
    """A rank-8 LoRA adapter with non-zero B weights, so it changes the model's answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(model_dir),
                           LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    model.save_pretrained(out_dir)
    return Path(out_dir)
